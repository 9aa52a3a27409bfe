// relay: C calls x P participants joined; every socket sends webrtc_ice_candidate to its peers in turn, with at
// most --window messages in flight per sending socket (or --rate relays/s in total). Each candidate carries
// "bench":"<sender>:<send time ns>", so the receiving socket knows the latency and frees a window slot.
// Several --url (the nodes of a cluster): participant j of every call connects through URL j mod their count, and
// --relay-to picks all peers, or only those on another node (every relay crosses nodes), or only local ones.
#include <algorithm>
#include <charconv>
#include <memory>
#include <optional>
#include <vector>

#include <boost/asio/steady_timer.hpp>
#include <boost/json.hpp>

#include "hearth_bench/http_client.hpp"
#include "hearth_bench/proc_stats.hpp"
#include "hearth_bench/run.hpp"
#include "hearth_bench/sio_client.hpp"

namespace hearth::bench {
namespace json = boost::json;

namespace {

// A real srflx candidate line (as Chrome sends it) and its companions: ~230 bytes on the wire, like real traffic.
constexpr std::string_view kCandidate =
    R"("candidate":{"candidate":"candidate:842163049 1 udp 1677729535 203.0.113.7 61665 typ srflx raddr )"
    R"(192.168.1.7 rport 61665 generation 0 ufrag EsAw network-cost 999","sdpMid":"0","sdpMLineIndex":0,)"
    R"("usernameFragment":"EsAw","bench":")";
constexpr std::string_view kBenchKey = R"("bench":")";

struct Participant {
  std::shared_ptr<SioClient> client;
  std::string user;
  std::size_t call = 0;
  std::size_t url = 0;                // which --url it connected through
  std::size_t node = 0;               // index of its node (node_of) among this run's nodes
  std::vector<std::string> prefixes;  // per peer: "42[...,"bench":" up to the marker
  std::uint32_t in_flight = 0;
  std::uint32_t next_peer = 0;
  bool joined = false;
};

struct Call {
  std::string session_id;
  std::shared_ptr<HttpClient> http;
  bool failed = false;
};

class Relay {
 public:
  explicit Relay(Run& run) : run_(run), opt_(run.options()), meter_(opt_.server_pids) {
    callbacks_.on_connected = [this](SioClient& c) { on_connected(c); };
    callbacks_.on_event = [this](SioClient& c, std::string_view name, std::string_view packet) {
      on_event(c, name, packet);
    };
    callbacks_.on_closed = [this](SioClient& c, std::string_view why) {
      if (!stopping_) run_.errors().add("socket_closed", "socket " + std::to_string(c.tag()) + ": " + std::string(why));
    };
  }

  json::object run() {
    const auto calls = static_cast<std::size_t>(opt_.calls);
    const auto per_call = static_cast<std::size_t>(opt_.participants);
    if (!set_up(calls, per_call)) return result(false);
    if (!build_prefixes(per_call)) return result(false);
    window_ = static_cast<std::uint32_t>(opt_.window);
    start_ns_ = now_ns();
    if (opt_.rate > 0)
      start_pacer();
    else
      for (std::size_t i = 0; i < people_.size(); ++i) top_up(i);
    run_.run_for(seconds(opt_.warmup));
    latency_.clear();
    delivered_ = 0;
    measuring_ = true;
    meter_.start();
    run_.run_for(seconds(opt_.duration));
    meter_.stop();
    measuring_ = false;
    sending_ = false;
    // Drain: everything sent must arrive; what does not within 5 s is lost.
    run_.run_until([this] { return total_in_flight() == 0; }, std::chrono::seconds(5));
    if (const auto lost = total_in_flight(); lost > 0)
      for (std::uint64_t i = 0; i < lost; ++i) run_.errors().add("lost", "relay not delivered within 5 s of the end");
    return result(true);
  }

  void stop() {
    stopping_ = true;
    if (pacer_) pacer_->cancel();
    for (auto& p : people_)
      if (p.client) p.client->close();
    run_.run_for(std::chrono::milliseconds(300));
  }

 private:
  // Initiates every call over REST, connects every participant's socket, and joins them all.
  bool set_up(std::size_t calls, std::size_t per_call) {
    calls_.resize(calls);
    people_.resize(calls * per_call);
    for (std::size_t c = 0; c < calls; ++c) {
      std::vector<std::string> invitees;
      for (std::size_t j = 0; j < per_call; ++j) {
        auto& p = people_[c * per_call + j];
        p.user = run_.user("r", c, j);
        p.call = c;
        p.url = j % run_.url_count();
        if (j > 0) invitees.push_back(p.user);
      }
      auto& call = calls_[c];
      call.http = std::make_shared<HttpClient>(run_.loop(), run_.endpoint(c));
      call.http->request("POST", "/api/video-call/initiate", run_.tokens().mint(people_[c * per_call].user),
                         initiate_body(invitees, opt_.participants),
                         [this, c](int status, std::string_view body, std::string_view error) {
                           auto& cl = calls_[c];
                           if (status != 201) {
                             cl.failed = true;
                             return run_.errors().add(
                                 "initiate", status ? std::to_string(status) + " " + std::string(body.substr(0, 200))
                                                    : std::string(error));
                           }
                           cl.session_id = std::string(find_string_member(body, "sessionId"));
                           cl.http->close();
                           if (opt_.call_in_handshake) {
                             const auto per = static_cast<std::size_t>(opt_.participants);
                             for (std::size_t i = c * per; i < (c + 1) * per; ++i) connect_person(i);
                           }
                           join_ready(c);
                         });
    }
    if (!opt_.call_in_handshake)
      for (std::size_t i = 0; i < people_.size(); ++i) connect_person(i);
    const bool ok = run_.run_until(
        [&] {
          std::size_t failed = 0;
          for (const auto& c : calls_) failed += c.failed;
          return joined_ == people_.size() || failed > 0 || run_.errors().total() > 0;
        },
        std::chrono::seconds(60));
    if (!ok || joined_ != people_.size()) {
      run_.errors().add(
          "setup", std::to_string(joined_) + " of " + std::to_string(people_.size()) + " sockets joined their call");
      return false;
    }
    return true;
  }

  void connect_person(std::size_t i) {
    auto& p = people_[i];
    p.client =
        std::make_shared<SioClient>(run_.loop(), run_.tokens().mint(p.user), callbacks_, static_cast<std::uint32_t>(i));
    p.client->start(run_.endpoint(i, p.url), opt_.call_in_handshake ? calls_[p.call].session_id : std::string());
  }

  void on_connected(SioClient& c) { join_ready(people_[c.tag()].call); }

  // Once the session exists, every connected participant of call c that has not asked yet joins it.
  void join_ready(std::size_t c) {
    const auto& call = calls_[c];
    if (call.session_id.empty()) return;
    const auto per_call = static_cast<std::size_t>(opt_.participants);
    for (std::size_t j = 0; j < per_call; ++j) {
      auto& p = people_[c * per_call + j];
      if (!p.client->connected() || p.joined) continue;
      p.joined = true;  // asked; counted in joined_ when call_session_joined arrives
      p.client->emit_packet(join_packet(call.session_id, p.user));
    }
  }

  // A participant's place: its node and shard, the prefix of its socket id ("n2.1" of "n2.1-k3j4…", "1" of "1-…"),
  // where the server names them; else the --url it connected through. "Another node" below is another place: with
  // one --url a relay between two shards of one server counts as remote too; with several (the nodes of a cluster, or
  // one server twice as bench/smoke.sh runs it) only the node counts — its name before the dot, else the URL — so that
  // participant j of a call, who connects through URL j mod their count, always has remote peers.
  static std::optional<std::string_view> place_in(std::string_view sid) {
    const auto dot = sid.find('.');
    const auto dash = sid.find('-', dot == std::string_view::npos ? 0 : dot + 1);
    if (dash != std::string_view::npos) return sid.substr(0, dash);
    if (dot != std::string_view::npos) return sid.substr(0, dot);
    return std::nullopt;
  }
  std::string node_of(const Participant& p) const {
    const std::string_view sid = p.client->sid();
    if (run_.url_count() > 1) {
      const auto dot = sid.find('.');
      return dot == std::string_view::npos ? "url" + std::to_string(p.url) : std::string(sid.substr(0, dot));
    }
    if (const auto place = place_in(sid)) return std::string(*place);
    return "url" + std::to_string(p.url);
  }
  bool nodes_known() const {
    if (run_.url_count() > 1) return true;
    return std::any_of(people_.begin(), people_.end(),
                       [](const Participant& p) { return place_in(p.client->sid()).has_value(); });
  }

  // The packets each participant sends, one per peer it sends to (--relay-to); false if one would send to none.
  bool build_prefixes(std::size_t per_call) {
    nodes_known_ = nodes_known();
    std::vector<std::string> nodes;
    for (auto& p : people_) {
      const std::string node = node_of(p);
      p.node = static_cast<std::size_t>(std::find(nodes.begin(), nodes.end(), node) - nodes.begin());
      if (p.node == nodes.size()) nodes.push_back(node);
    }
    for (std::size_t i = 0; i < people_.size(); ++i) {
      auto& p = people_[i];
      const std::size_t first = p.call * per_call;
      for (std::size_t j = first; j < first + per_call; ++j) {
        if (j == i) continue;
        const bool remote = people_[j].node != p.node;
        if ((opt_.relay_to == RelayTo::remote && !remote) || (opt_.relay_to == RelayTo::local && remote)) continue;
        std::string s = R"(42["webrtc_ice_candidate",{"sessionId":")";
        s += calls_[p.call].session_id;
        s += R"(","targetSocketId":")";
        s += people_[j].client->sid();
        s += "\",";
        s += kCandidate;
        s += std::to_string(i);
        s += ':';
        p.prefixes.push_back(std::move(s));
      }
      senders_ += p.prefixes.empty() ? 0 : 1;
    }
    // With --relay-to local or remote a participant whose peers are all elsewhere (or all with it) only receives.
    if (senders_ == 0) {
      run_.errors().add(
          "setup", std::string("no participant has a peer to send to with --relay-to ") + to_string(opt_.relay_to));
      return false;
    }
    return true;
  }

  void send_one(std::size_t i, std::uint64_t now) {
    auto& p = people_[i];
    const std::string& prefix = p.prefixes[p.next_peer];
    p.next_peer = (p.next_peer + 1) % static_cast<std::uint32_t>(p.prefixes.size());
    packet_.assign(prefix);
    char digits[24];
    const auto [end, ec] = std::to_chars(digits, digits + sizeof digits, now);
    packet_.append(digits, end);
    packet_ += "\"}}]";
    p.client->send_text(packet_);
    ++p.in_flight;
  }

  void top_up(std::size_t i) {
    if (!sending_ || people_[i].prefixes.empty()) return;
    auto& p = people_[i];
    const std::uint64_t now = now_ns();
    while (p.in_flight < window_) send_one(i, now);
  }

  // --rate: every millisecond, send what is due since the start. A turn is one participant sending a candidate to
  // each of its peers at once (one write), as a browser in a full mesh trickles each newly gathered candidate to
  // every peer connection; participants take turns round-robin. Open loop: a turn that finds its socket's window
  // too full is skipped and counted, not deferred — a deferred backlog would keep every window full for good (the
  // pacer could never get ahead again) and measure the window, not the server.
  void start_pacer() {
    pacer_ = std::make_unique<boost::asio::steady_timer>(run_.loop().ioc());
    tick();
  }
  void tick() {
    pacer_->expires_after(std::chrono::milliseconds(1));
    pacer_->async_wait([this](boost::system::error_code ec) {
      if (ec || !sending_) return;
      const std::uint64_t now = now_ns();
      const auto due = static_cast<std::uint64_t>(opt_.rate * static_cast<double>(now - start_ns_) / 1e9);
      for (;;) {
        const std::size_t i = cursor_;
        const auto peers = static_cast<std::uint64_t>(people_[i].prefixes.size());
        if (sent_total_ + peers > due) break;
        sent_total_ += peers;
        cursor_ = (cursor_ + 1) % people_.size();
        if (peers == 0) continue;  // only receives (--relay-to); senders_ > 0, so the loop ends
        // A window smaller than a turn still lets one turn be in flight.
        if (people_[i].in_flight + peers > std::max<std::uint64_t>(window_, peers)) {
          if (measuring_) skipped_ += peers;
          continue;
        }
        for (std::uint64_t k = 0; k < peers; ++k) send_one(i, now);
        if (measuring_) sent_measured_ += peers;
      }
      tick();
    });
  }

  void on_event(SioClient& c, std::string_view name, std::string_view packet) {
    if (name == "webrtc_ice_candidate") return on_candidate(c.tag(), packet);
    if (name == "call_session_joined") {
      ++joined_;
      return;
    }
    if (name == "call_error") run_.errors().add("call_error", std::string(packet.substr(0, 300)));
  }

  void on_candidate(std::size_t receiver, std::string_view packet) {
    const std::uint64_t now = now_ns();
    const auto pos = packet.rfind(kBenchKey);
    if (pos == std::string_view::npos) return run_.errors().add("relay", "candidate without the bench marker");
    const char* p = packet.data() + pos + kBenchKey.size();
    const char* end = packet.data() + packet.size();
    std::size_t sender = 0;
    std::uint64_t sent_at = 0;
    auto r1 = std::from_chars(p, end, sender);
    if (r1.ec != std::errc{} || r1.ptr == end || *r1.ptr != ':' || sender >= people_.size())
      return run_.errors().add("relay", "bad bench marker");
    auto r2 = std::from_chars(r1.ptr + 1, end, sent_at);
    if (r2.ec != std::errc{}) return run_.errors().add("relay", "bad bench marker");
    auto& from = people_[sender];
    if (from.in_flight > 0) --from.in_flight;
    if (measuring_) {
      ++delivered_;
      latency_.record(now - sent_at);
      if (nodes_known_ && receiver < people_.size() && people_[receiver].node != from.node) ++delivered_remote_;
    }
    if (opt_.rate <= 0) top_up(sender);
  }

  std::uint64_t total_in_flight() const {
    std::uint64_t n = 0;
    for (const auto& p : people_) n += p.in_flight;
    return n;
  }

  json::object result(bool measured) const {
    json::object o;
    o["calls"] = opt_.calls;
    o["participants"] = opt_.participants;
    o["sockets"] = people_.size();
    o["window"] = opt_.window;
    o["rate"] = opt_.rate > 0 ? json::value(opt_.rate) : json::value(nullptr);
    if (!measured) return o;
    const double wall = meter_.wall_seconds();
    o["duration_s"] = wall;
    o["delivered"] = delivered_;
    o["delivered_per_sec"] = static_cast<double>(delivered_) / wall;
    auto ms = [](std::uint64_t ns) { return static_cast<double>(ns) / 1e6; };
    if (nodes_known_) {
      o["relay_to"] = to_string(opt_.relay_to);
      o["delivered_between_nodes"] = delivered_remote_;
      o["between_nodes_share"] =
          delivered_ ? static_cast<double>(delivered_remote_) / static_cast<double>(delivered_) : 0.0;
    }
    o["latency_ms"] = json::object{{"p50", ms(latency_.quantile(0.50))},
                                   {"p90", ms(latency_.quantile(0.90))},
                                   {"p99", ms(latency_.quantile(0.99))},
                                   {"max", ms(latency_.max())}};
    o["client_cpu_percent"] = 100 * meter_.client_cpu_seconds() / wall;
    if (delivered_) o["client_cpu_us_per_relay"] = meter_.client_cpu_seconds() * 1e6 / static_cast<double>(delivered_);
    const double client_percent = 100 * meter_.client_cpu_seconds() / wall;
    std::optional<double> server_percent;
    if (auto s = meter_.server_cpu_seconds()) {
      server_percent = 100 * *s / wall;
      o["server_cpu_percent"] = *server_percent;
      if (delivered_) o["server_cpu_us_per_relay"] = *s * 1e6 / static_cast<double>(delivered_);
    }
    add_per_process_cpu(o, meter_, opt_);
    // Who set the pace: a core at >= 90 % is the limit; otherwise the window (round trips) or --rate did.
    if (opt_.rate > 0) {
      // Skipped turns: the server fell a window behind the offered rate.
      o["sent"] = sent_measured_;
      o["skipped_window_full"] = skipped_;
      if (client_percent >= 90)
        o["limited_by"] = "load generator";
      else if (skipped_ * 100 > sent_measured_ + skipped_)
        o["limited_by"] = "server (windows full, rate not met)";
      else
        o["limited_by"] = "rate";
    } else if (server_percent && *server_percent >= 90) {
      o["limited_by"] = "server";
    } else if (client_percent >= 90) {
      o["limited_by"] = "load generator";
    } else {
      o["limited_by"] = server_percent ? "window (neither core saturated)" : "unknown (no --server-pid)";
    }
    return o;
  }

  Run& run_;
  const Options& opt_;
  SioCallbacks callbacks_;
  std::vector<Call> calls_;
  std::vector<Participant> people_;
  std::size_t joined_ = 0;
  bool nodes_known_ = false;  // several --url, or socket ids that name their node: count relays between nodes
  std::size_t senders_ = 0;   // participants with at least one peer to send to
  std::uint64_t delivered_remote_ = 0;
  std::uint32_t window_ = 16;
  bool sending_ = true, measuring_ = false, stopping_ = false;
  std::uint64_t start_ns_ = 0, sent_total_ = 0, sent_measured_ = 0, skipped_ = 0, delivered_ = 0;
  std::size_t cursor_ = 0;
  std::string packet_;
  std::unique_ptr<boost::asio::steady_timer> pacer_;
  Histogram latency_;
  CpuMeter meter_;
};

}  // namespace

json::object run_relay(Run& run) {
  Relay relay(run);
  auto out = relay.run();
  relay.stop();
  return out;
}

}  // namespace hearth::bench
