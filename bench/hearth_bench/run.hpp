#pragma once
// What every scenario shares: the options, the event loop, token minting, error accounting, where to connect,
// and the API's request texts. Scenarios return their measurements as a JSON object (see report.hpp).
// Thread safety: single-threaded.
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>

#include "hearth_bench/options.hpp"
#include "hearth_bench/proc_stats.hpp"
#include "hearth_bench/stats.hpp"
#include "hearth_bench/tokens.hpp"
#include "hearth_bench/ws_client.hpp"

namespace hearth::bench {

class Run {
 public:
  explicit Run(const Options& options);

  const Options& options() const { return options_; }
  Loop& loop() { return loop_; }
  Errors& errors() { return errors_; }
  const TokenMinter& tokens() const { return tokens_; }

  // The i-th client connection's endpoint through --url number `url` (0 = the first): on loopback, spread over
  // --source-ips local addresses.
  Endpoint endpoint(std::size_t i, std::size_t url = 0) const;
  // How many --url were given (1 for a single server).
  std::size_t url_count() const { return servers_.size(); }
  // A user id unique to this run: <prefix>-<kind><a>-<b>.
  std::string user(std::string_view kind, std::size_t a, std::size_t b) const;

  // Runs the loop until done() holds (checked every `poll`) or `timeout` passes; returns done().
  bool run_until(const std::function<bool()>& done, std::chrono::milliseconds timeout,
                 std::chrono::milliseconds poll = std::chrono::milliseconds(20));
  // Runs the loop for a while (phases measured by time).
  void run_for(std::chrono::milliseconds duration) {
    run_until([] { return false; }, duration);
  }

 private:
  const Options& options_;
  Loop loop_;
  TokenMinter tokens_;
  Errors errors_;
  std::vector<boost::asio::ip::tcp::endpoint> servers_;  // per --url
  std::vector<std::string> host_headers_;
};

// --- request texts of hearth-call's API ---------------------------------------------------------------------------
std::string initiate_body(const std::vector<std::string>& invitees, int max_participants);
// Socket.IO packet 2["join_call_session",{"sessionId":..,"peerId":..}] (for SioClient::emit_packet)
std::string join_packet(std::string_view session_id, std::string_view peer_id);
// {"sessionId":..}
std::string session_ref_json(std::string_view session_id);
bool is_success_ack(std::string_view ack_data);  // [{"success":true,...}]

std::chrono::milliseconds seconds(double s);

// With more than one --server-pid: each process's CPU over the measured interval, in --server-pid order, as
// "server_processes": [{"pid":…,"cpu_s":…,"cpu_percent":…}] (nothing with one or none).
void add_per_process_cpu(boost::json::object& o, const CpuMeter& meter, const Options& options);

// Scenario entry points; each returns its measurements (errors go to run.errors()).
boost::json::object run_relay(Run& run);
boost::json::object run_setup(Run& run);
boost::json::object run_idle(Run& run);
boost::json::object run_rest(Run& run);

}  // namespace hearth::bench
