#include "hearth_bench/run.hpp"

#include <memory>
#include <stdexcept>

#include <boost/asio/ip/address.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/string.hpp>

namespace hearth::bench {
namespace asio = boost::asio;

Run::Run(const Options& options) : options_(options), tokens_(options.jwt_secret) {
  for (const auto& url : options.urls) {
    boost::system::error_code ec;
    const auto address = asio::ip::make_address(url.host, ec);
    if (ec) throw std::invalid_argument("--url: the host must be an IP address (or localhost), not '" + url.host + "'");
    servers_.emplace_back(address, url.port);
    host_headers_.push_back(url.host + ":" + std::to_string(url.port));
  }
  if (servers_.empty()) throw std::invalid_argument("--url: none given");
}

Endpoint Run::endpoint(std::size_t i, std::size_t url) const {
  Endpoint e;
  e.server = servers_.at(url);
  e.host_header = host_headers_.at(url);
  const auto address = e.server.address();
  if (address.is_v4() && address.is_loopback() && options_.source_ips > 0) {
    const auto n = static_cast<std::size_t>(options_.source_ips);
    e.source = asio::ip::address_v4(0x7F000002u + static_cast<std::uint32_t>(i % n));  // 127.0.0.2 ...
  }
  return e;
}

std::string Run::user(std::string_view kind, std::size_t a, std::size_t b) const {
  std::string out = options_.user_prefix;
  out += '-';
  out += kind;
  out += std::to_string(a);
  out += '-';
  out += std::to_string(b);
  return out;
}

bool Run::run_until(const std::function<bool()>& done, std::chrono::milliseconds timeout,
                    std::chrono::milliseconds poll) {
  if (done()) return true;
  auto& ioc = loop_.ioc();
  struct State {
    asio::steady_timer timer;
    std::chrono::steady_clock::time_point deadline;
    std::function<void()> arm;
  };
  auto state = std::make_shared<State>(State{asio::steady_timer(ioc), std::chrono::steady_clock::now() + timeout, {}});
  std::weak_ptr<State> weak = state;
  state->arm = [weak, &done, &ioc, poll] {
    auto s = weak.lock();
    if (!s) return;
    s->timer.expires_after(std::min<std::chrono::steady_clock::duration>(
        poll, std::max<std::chrono::steady_clock::duration>(s->deadline - std::chrono::steady_clock::now(), {})));
    s->timer.async_wait([weak, &done, &ioc](boost::system::error_code ec) {
      auto st = weak.lock();
      if (ec || !st) return;
      if (done() || std::chrono::steady_clock::now() >= st->deadline) return ioc.stop();
      st->arm();
    });
  };
  state->arm();
  ioc.restart();
  ioc.run();
  state->timer.cancel();
  state->arm = nullptr;
  state.reset();  // the cancelled wait holds only a weak reference
  ioc.restart();
  return done();
}

std::string initiate_body(const std::vector<std::string>& invitees, int max_participants) {
  std::string out = R"({"sessionType":"group","participants":[)";
  for (std::size_t i = 0; i < invitees.size(); ++i) {
    if (i) out += ',';
    out += '"';
    out += invitees[i];
    out += '"';
  }
  out += "],\"maxParticipants\":";
  out += std::to_string(max_participants);
  out += '}';
  return out;
}

std::string join_packet(std::string_view session_id, std::string_view peer_id) {
  std::string out = R"(2["join_call_session",{"sessionId":")";
  out += session_id;
  out += R"(","peerId":")";
  out += peer_id;
  out += "\"}]";
  return out;
}

std::string session_ref_json(std::string_view session_id) {
  std::string out = R"({"sessionId":")";
  out += session_id;
  out += "\"}";
  return out;
}

bool is_success_ack(std::string_view ack_data) { return ack_data.find("\"success\":true") != std::string_view::npos; }

void add_per_process_cpu(boost::json::object& o, const CpuMeter& meter, const Options& options) {
  if (options.server_pids.size() < 2) return;
  const double wall = meter.wall_seconds();
  boost::json::array list;
  for (const auto& [pid, s] : meter.per_process_cpu_seconds()) {
    boost::json::object p;
    p["pid"] = pid;
    p["cpu_s"] = s ? boost::json::value(*s) : boost::json::value(nullptr);
    p["cpu_percent"] = s && wall > 0 ? boost::json::value(100 * *s / wall) : boost::json::value(nullptr);
    list.push_back(std::move(p));
  }
  o["server_processes"] = std::move(list);
}

std::chrono::milliseconds seconds(double s) { return std::chrono::milliseconds(static_cast<std::int64_t>(s * 1000)); }

}  // namespace hearth::bench
