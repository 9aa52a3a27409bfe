// idle: N authenticated sockets (each its own user), opened --concurrency at a time, held for --duration while
// answering the server's heartbeat. With --server-pid: the server's RSS before, after opening, and at the end;
// rss_bytes_per_socket = (end - before) / sockets.
#include <memory>
#include <vector>

#include <boost/json.hpp>

#include "hearth_bench/proc_stats.hpp"
#include "hearth_bench/run.hpp"
#include "hearth_bench/sio_client.hpp"

namespace hearth::bench {
namespace json = boost::json;

namespace {

class Idle {
 public:
  explicit Idle(Run& run) : run_(run), opt_(run.options()) {
    callbacks_.on_connected = [this](SioClient&) {
      ++connected_;
      --in_progress_;
      open_more();
    };
    callbacks_.on_closed = [this](SioClient& c, std::string_view why) {
      if (stopping_) return;
      if (!c.sid().empty()) {  // it had connected: a drop
        ++dropped_;
      } else {
        --in_progress_;
        open_more();
      }
      run_.errors().add("socket", "socket " + std::to_string(c.tag()) + ": " + std::string(why));
    };
  }

  json::object run() {
    const auto n = static_cast<std::size_t>(opt_.sockets);
    const std::uint64_t fd_limit = raise_fd_limit();
    if (fd_limit < n + 64)
      run_.errors().add("fd_limit", "open-file limit " + std::to_string(fd_limit) + " is below " + std::to_string(n) +
                                        " sockets: raise ulimit -n");
    users_.reserve(n);
    for (std::size_t i = 0; i < n; ++i) users_.push_back(run_.tokens().mint(run_.user("i", i, 0)));
    if (opt_.server_pid) rss_before_ = process_rss_bytes(*opt_.server_pid);
    const std::uint64_t t0 = now_ns();
    CpuMeter connect_meter(opt_.server_pids);
    connect_meter.start();
    open_more();
    run_.run_until([&] { return connected_ + run_.errors().total() >= n; }, std::chrono::seconds(300));
    connect_meter.stop();
    const double connect_s = static_cast<double>(now_ns() - t0) / 1e9;
    run_.run_for(std::chrono::seconds(1));  // let the server settle (timers armed, buffers released)
    if (opt_.server_pid) rss_connected_ = process_rss_bytes(*opt_.server_pid);
    CpuMeter hold_meter(opt_.server_pids);
    hold_meter.start();
    run_.run_for(seconds(opt_.duration));
    hold_meter.stop();
    if (opt_.server_pid) rss_end_ = process_rss_bytes(*opt_.server_pid);

    json::object o;
    o["sockets"] = connected_ - dropped_;
    o["requested"] = n;
    o["connect_s"] = connect_s;
    o["connects_per_sec"] = static_cast<double>(connected_) / connect_s;
    o["hold_s"] = hold_meter.wall_seconds();
    o["client_cpu_percent"] = 100 * connect_meter.client_cpu_seconds() / connect_meter.wall_seconds();
    if (auto s = connect_meter.server_cpu_seconds(); s && connected_)
      o["server_cpu_us_per_connect"] = *s * 1e6 / static_cast<double>(connected_);
    if (auto s = hold_meter.server_cpu_seconds()) o["server_cpu_percent_idle"] = 100 * *s / hold_meter.wall_seconds();
    if (rss_before_ && rss_end_ && connected_ > dropped_) {
      const auto held = static_cast<double>(connected_ - dropped_);
      o["rss_before_bytes"] = *rss_before_;
      o["rss_connected_bytes"] = rss_connected_ ? json::value(*rss_connected_) : json::value(nullptr);
      o["rss_end_bytes"] = *rss_end_;
      o["rss_bytes_per_socket"] = (static_cast<double>(*rss_end_) - static_cast<double>(*rss_before_)) / held;
    }
    std::uint64_t pings = 0;
    for (const auto& c : clients_) pings += c->pings();
    o["pings_answered"] = pings;
    return o;
  }

  void stop() {
    stopping_ = true;
    for (auto& c : clients_) c->close();
    run_.run_for(std::chrono::milliseconds(500));
  }

 private:
  void open_more() {
    while (in_progress_ < static_cast<std::size_t>(opt_.concurrency) && next_ < users_.size()) {
      const std::size_t i = next_++;
      auto c =
          std::make_shared<SioClient>(run_.loop(), std::move(users_[i]), callbacks_, static_cast<std::uint32_t>(i));
      c->start(run_.endpoint(i, i % run_.url_count()));
      clients_.push_back(std::move(c));
      ++in_progress_;
    }
  }

  Run& run_;
  const Options& opt_;
  SioCallbacks callbacks_;
  std::vector<std::string> users_;  // tokens, handed to the clients
  std::vector<std::shared_ptr<SioClient>> clients_;
  std::size_t next_ = 0, in_progress_ = 0, connected_ = 0, dropped_ = 0;
  bool stopping_ = false;
  std::optional<std::uint64_t> rss_before_, rss_connected_, rss_end_;
};

}  // namespace

json::object run_idle(Run& run) {
  Idle idle(run);
  auto out = idle.run();
  idle.stop();
  return out;
}

}  // namespace hearth::bench
