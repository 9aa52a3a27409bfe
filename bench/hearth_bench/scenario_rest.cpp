// rest: K keep-alive connections, each issuing requests back to back in the --mix order (default: initiate, get
// the session just created, history). Each connection rotates over its own users, so no user's history grows
// without bound. Requests/s and latency percentiles, overall and per kind.
#include <array>
#include <memory>
#include <vector>

#include <boost/json.hpp>

#include "hearth_bench/http_client.hpp"
#include "hearth_bench/json_scan.hpp"
#include "hearth_bench/proc_stats.hpp"
#include "hearth_bench/run.hpp"

namespace hearth::bench {
namespace json = boost::json;

namespace {

constexpr std::size_t kUsersPerConnection = 16;
enum Op : std::size_t { initiate = 0, get = 1, history = 2 };
constexpr std::array<const char*, 3> kOpNames{"initiate", "get", "history"};

struct Connection {
  std::shared_ptr<HttpClient> http;
  std::vector<std::string> tokens;
  std::string last_session;  // created by this connection, read by the next get
  std::size_t user = 0, step = 0;
  std::uint64_t sent_at = 0;
};

class Rest {
 public:
  explicit Rest(Run& run) : run_(run), opt_(run.options()), meter_(opt_.server_pids) {
    for (std::size_t op = 0; op < 3; ++op)
      for (int i = 0; i < opt_.mix[op]; ++i) sequence_.push_back(static_cast<Op>(op));
    std::vector<std::string> invitees;
    for (int j = 1; j < opt_.participants; ++j) invitees.push_back(run_.user("peer", 0, static_cast<std::size_t>(j)));
    body_ = initiate_body(invitees, opt_.participants);
  }

  json::object run() {
    const auto k = static_cast<std::size_t>(opt_.concurrency);
    conns_.resize(k);
    for (std::size_t c = 0; c < k; ++c) {
      conns_[c].http = std::make_shared<HttpClient>(run_.loop(), run_.endpoint(c, c % run_.url_count()));
      for (std::size_t u = 0; u < kUsersPerConnection; ++u)
        conns_[c].tokens.push_back(run_.tokens().mint(run_.user("h", c, u)));
    }
    for (std::size_t c = 0; c < k; ++c) next(c);
    run_.run_for(seconds(opt_.warmup));
    for (auto& h : latency_) h.clear();
    counts_.fill(0);
    measuring_ = true;
    meter_.start();
    run_.run_for(seconds(opt_.duration));
    meter_.stop();
    measuring_ = false;
    running_ = false;
    run_.run_until([&] { return outstanding_ == 0; }, std::chrono::seconds(10));
    return result();
  }

  void stop() {
    for (auto& c : conns_) c.http->close();
    run_.run_for(std::chrono::milliseconds(200));
  }

 private:
  void next(std::size_t c) {
    if (!running_) return;
    auto& conn = conns_[c];
    Op op = sequence_[conn.step++ % sequence_.size()];
    if (op == get && conn.last_session.empty()) op = initiate;
    if (op == initiate) conn.user = (conn.user + 1) % kUsersPerConnection;  // a get reads as the same user
    const std::string& token = conn.tokens[conn.user];
    conn.sent_at = now_ns();
    ++outstanding_;
    auto done = [this, c, op](int status, std::string_view body, std::string_view error) {
      --outstanding_;
      on_answer(c, op, status, body, error);
    };
    switch (op) {
      case initiate:
        return conn.http->request("POST", "/api/video-call/initiate", token, body_, std::move(done));
      case get:
        return conn.http->request("GET", "/api/video-call/session/" + conn.last_session, token, {}, std::move(done));
      case history:
        return conn.http->request("GET", "/api/video-call/history?limit=20", token, {}, std::move(done));
    }
  }

  void on_answer(std::size_t c, Op op, int status, std::string_view body, std::string_view error) {
    auto& conn = conns_[c];
    const std::uint64_t took = now_ns() - conn.sent_at;
    const int expected = op == initiate ? 201 : 200;
    if (status == 0) {  // the connection failed: this connection stops (retrying would only spin)
      return run_.errors().add(std::string(kOpNames[op]), std::string(error));
    }
    if (status != expected) {
      run_.errors().add(std::string(kOpNames[op]), std::to_string(status) + " " + std::string(body.substr(0, 200)));
    } else {
      if (op == initiate) conn.last_session = std::string(find_string_member(body, "sessionId"));
      if (measuring_) {
        latency_[op].record(took);
        ++counts_[op];
      }
    }
    next(c);
  }

  json::object result() const {
    json::object o;
    o["concurrency"] = opt_.concurrency;
    o["mix"] = json::array{opt_.mix[0], opt_.mix[1], opt_.mix[2]};
    const double wall = meter_.wall_seconds();
    o["duration_s"] = wall;
    Histogram all;
    std::uint64_t total = 0;
    auto ms = [](std::uint64_t ns) { return static_cast<double>(ns) / 1e6; };
    json::object per_op;
    for (std::size_t op = 0; op < 3; ++op) {
      all.merge(latency_[op]);
      total += counts_[op];
      if (counts_[op] == 0) continue;
      per_op[kOpNames[op]] = json::object{{"requests_per_sec", static_cast<double>(counts_[op]) / wall},
                                          {"p50", ms(latency_[op].quantile(0.5))},
                                          {"p99", ms(latency_[op].quantile(0.99))}};
    }
    o["requests"] = total;
    o["requests_per_sec"] = static_cast<double>(total) / wall;
    o["initiates_per_sec"] = static_cast<double>(counts_[initiate]) / wall;
    o["latency_ms"] = json::object{{"p50", ms(all.quantile(0.5))},
                                   {"p90", ms(all.quantile(0.9))},
                                   {"p99", ms(all.quantile(0.99))},
                                   {"max", ms(all.max())}};
    o["by_kind"] = std::move(per_op);
    o["client_cpu_percent"] = 100 * meter_.client_cpu_seconds() / wall;
    if (auto s = meter_.server_cpu_seconds()) {
      o["server_cpu_percent"] = 100 * *s / wall;
      if (total) o["server_cpu_us_per_request"] = *s * 1e6 / static_cast<double>(total);
    }
    add_per_process_cpu(o, meter_, opt_);
    return o;
  }

  Run& run_;
  const Options& opt_;
  std::vector<Op> sequence_;
  std::string body_;
  std::vector<Connection> conns_;
  std::array<Histogram, 3> latency_;
  std::array<std::uint64_t, 3> counts_{};
  std::size_t outstanding_ = 0;
  bool measuring_ = false, running_ = true;
  CpuMeter meter_;
};

}  // namespace

json::object run_rest(Run& run) {
  Rest rest(run);
  auto out = rest.run();
  rest.stop();
  return out;
}

}  // namespace hearth::bench
