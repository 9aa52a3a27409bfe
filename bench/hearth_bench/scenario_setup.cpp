// setup: N calls at concurrency K. K workers, each with P users online (a socket each, plus a keep-alive REST
// connection each), run calls back to back: the first user initiates (REST), everyone joins (REST, then the
// socket), every pair negotiates (offer, answer, two ICE candidates each way), everyone leaves (acknowledged).
// Time-to-negotiated runs from the initiate request to the last candidate of the mesh.
// Several --url (the nodes of a cluster): member j of every worker (socket and REST) goes through URL j mod their
// count, so the first member initiates through the first URL and the mesh's pairs are split across the nodes.
#include <algorithm>
#include <memory>
#include <vector>

#include <boost/json.hpp>

#include "hearth_bench/http_client.hpp"
#include "hearth_bench/proc_stats.hpp"
#include "hearth_bench/run.hpp"
#include "hearth_bench/sio_client.hpp"

namespace hearth::bench {
namespace json = boost::json;

namespace {

constexpr auto kPhaseTimeout = std::chrono::seconds(10);
constexpr int kCandidatesEachWay = 2;
constexpr int kDeliveriesPerPair = 2 + 2 * kCandidatesEachWay;  // offer, answer, candidates both ways

// An SDP body of realistic size (~2 KiB: audio + video, as a browser offers), JSON-escaped.
std::string make_sdp(std::string_view type) {
  std::string s =
      "v=0\\r\\no=- 4611731400430051336 2 IN IP4 127.0.0.1\\r\\ns=-\\r\\nt=0 0\\r\\n"
      "a=group:BUNDLE 0 1\\r\\na=extmap-allow-mixed\\r\\na=msid-semantic: WMS stream\\r\\n";
  for (const char* media : {"audio 9 UDP/TLS/RTP/SAVPF 111 63 9 0 8 13 110 126",
                            "video 9 UDP/TLS/RTP/SAVPF 96 97 102 103 104 105 106 107 108 109 127 125"}) {
    s += "m=";
    s += media;
    s += "\\r\\nc=IN IP4 0.0.0.0\\r\\na=rtcp:9 IN IP4 "
         "0.0.0.0\\r\\na=ice-ufrag:EsAw\\r\\na=ice-pwd:P2uYro0UCOQ4zxjKXaWCBui1\\r\\n"
         "a=ice-options:trickle\\r\\na=fingerprint:sha-256 "
         "D2:FA:0E:C3:22:59:5E:14:95:69:92:3D:13:B4:84:24:2C:C2:A2:C0:3E:FD:"
         "34:8E:5E:EA:6F:AF:52:CE:E6:0F\\r\\na=setup:";
    s += type == "offer" ? "actpass" : "active";
    s += "\\r\\na=mid:0\\r\\na=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level\\r\\na=extmap:2 "
         "http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time\\r\\na=sendrecv\\r\\na=msid:stream track\\r\\n"
         "a=rtcp-mux\\r\\na=rtpmap:111 opus/48000/2\\r\\na=rtcp-fb:111 transport-cc\\r\\na=fmtp:111 minptime=10;"
         "useinbandfec=1\\r\\na=rtpmap:96 VP8/90000\\r\\na=rtcp-fb:96 goog-remb\\r\\na=rtcp-fb:96 ccm fir\\r\\n"
         "a=rtcp-fb:96 nack\\r\\na=rtcp-fb:96 nack pli\\r\\na=rtpmap:97 rtx/90000\\r\\na=fmtp:97 apt=96\\r\\n"
         "a=ssrc-group:FID 2541098696 3215547008\\r\\na=ssrc:2541098696 cname:4TOk42mSjXCkVIa6\\r\\n";
  }
  return s;
}

struct Member {
  std::string user, token;
  std::shared_ptr<SioClient> socket;
  std::shared_ptr<HttpClient> http;
};

class Setup;

// One slot of concurrency: P users, running one call after the other.
class Worker {
 public:
  enum class Phase { connecting, idle, initiate, join, mesh, leave, stopped };
  Worker(Setup& owner, std::size_t index) : owner_(owner), index_(index) {}

  std::vector<Member> members;
  Phase phase = Phase::connecting;
  std::uint64_t phase_started = 0;
  std::size_t connected = 0;

  void start_call();
  void on_event(std::size_t member, std::string_view name, std::string_view packet);
  void fail(const std::string& kind, const std::string& message);

 private:
  void enter(Phase p);
  void joined_rest(std::size_t member);
  void start_mesh();
  void send_relay(std::size_t from, std::size_t to, std::string_view event, std::string_view field,
                  std::string_view value_json);
  void delivered();
  std::size_t member_of(std::string_view packet) const;

  Setup& owner_;
  std::size_t index_;
  std::string session_id_;
  std::uint64_t call_started_ = 0;
  std::size_t joined_ = 0, delivered_ = 0, left_ = 0;
  std::string packet_;
};

class Setup {
 public:
  explicit Setup(Run& run) : run_(run), opt_(run.options()), meter_(opt_.server_pids) {
    offer_ = R"({"type":"offer","sdp":")" + make_sdp("offer") + "\"}";
    answer_ = R"({"type":"answer","sdp":")" + make_sdp("answer") + "\"}";
    callbacks_.on_connected = [this](SioClient& c) {
      auto& w = *workers_[c.tag() / per_call()];
      if (++w.connected == per_call()) w.phase = Worker::Phase::idle;
    };
    callbacks_.on_event = [this](SioClient& c, std::string_view name, std::string_view packet) {
      workers_[c.tag() / per_call()]->on_event(c.tag() % per_call(), name, packet);
    };
    callbacks_.on_closed = [this](SioClient& c, std::string_view why) {
      if (!stopping_) workers_[c.tag() / per_call()]->fail("socket_closed", std::string(why));
    };
  }

  json::object run() {
    const auto k = static_cast<std::size_t>(opt_.concurrency);
    for (std::size_t w = 0; w < k; ++w) {
      workers_.push_back(std::make_unique<Worker>(*this, w));
      auto& worker = *workers_.back();
      for (std::size_t j = 0; j < per_call(); ++j) {
        const std::size_t i = w * per_call() + j;
        Member m;
        m.user = run_.user("s", w, j);
        m.token = run_.tokens().mint(m.user);
        m.socket = std::make_shared<SioClient>(run_.loop(), m.token, callbacks_, static_cast<std::uint32_t>(i));
        const std::size_t url = j % run_.url_count();
        m.http = std::make_shared<HttpClient>(run_.loop(), run_.endpoint(i, url));
        m.socket->start(run_.endpoint(i, url));
        worker.members.push_back(std::move(m));
      }
    }
    const bool online = run_.run_until(
        [&] {
          return std::all_of(workers_.begin(), workers_.end(),
                             [](const auto& w) { return w->phase != Worker::Phase::connecting; });
        },
        std::chrono::seconds(30));
    if (!online) {
      run_.errors().add("setup", "not every socket connected within 30 s");
      return result();
    }
    deadline_ = now_ns() + static_cast<std::uint64_t>(opt_.duration * 1e9);
    meter_.start();
    for (auto& w : workers_) w->start_call();
    run_.run_until(
        [&] {
          const std::uint64_t now = now_ns();
          bool busy = false;
          for (auto& w : workers_) {
            if (w->phase == Worker::Phase::stopped || w->phase == Worker::Phase::idle) continue;
            busy = true;
            if (now - w->phase_started > static_cast<std::uint64_t>(std::chrono::nanoseconds(kPhaseTimeout).count()))
              w->fail("timeout", "a call phase took over 10 s");
          }
          return !busy;
        },
        std::chrono::milliseconds(static_cast<std::int64_t>(opt_.duration * 1000) + 30'000),
        std::chrono::milliseconds(5));
    meter_.stop();
    return result();
  }

  void stop() {
    stopping_ = true;
    for (auto& w : workers_)
      for (auto& m : w->members) {
        m.socket->close();
        m.http->close();
      }
    run_.run_for(std::chrono::milliseconds(300));
  }

  // Whether a worker may start another call (counts it as started).
  bool take_call() {
    if (started_ >= static_cast<std::size_t>(opt_.calls) || now_ns() >= deadline_) return false;
    ++started_;
    return true;
  }
  void call_done(std::uint64_t negotiated_ns, std::uint64_t total_ns) {
    ++completed_;
    negotiated_.record(negotiated_ns);
    total_.record(total_ns);
    last_done_ = now_ns();
  }

  std::size_t per_call() const { return static_cast<std::size_t>(opt_.participants); }
  Run& bench_run() { return run_; }
  const std::string& offer() const { return offer_; }
  const std::string& answer() const { return answer_; }

 private:
  json::object result() const {
    json::object o;
    o["calls"] = opt_.calls;
    o["participants"] = opt_.participants;
    o["concurrency"] = opt_.concurrency;
    o["completed"] = completed_;
    const double wall = meter_.wall_seconds();
    o["duration_s"] = wall;
    o["setups_per_sec"] = wall > 0 ? static_cast<double>(completed_) / wall : 0.0;
    auto ms = [](std::uint64_t ns) { return static_cast<double>(ns) / 1e6; };
    o["negotiated_ms"] = json::object{{"p50", ms(negotiated_.quantile(0.5))},
                                      {"p99", ms(negotiated_.quantile(0.99))},
                                      {"max", ms(negotiated_.max())}};
    o["call_ms"] = json::object{{"p50", ms(total_.quantile(0.5))}, {"p99", ms(total_.quantile(0.99))}};
    if (wall > 0) o["client_cpu_percent"] = 100 * meter_.client_cpu_seconds() / wall;
    if (auto s = meter_.server_cpu_seconds(); s && wall > 0) {
      o["server_cpu_percent"] = 100 * *s / wall;
      if (completed_) o["server_cpu_us_per_setup"] = *s * 1e6 / static_cast<double>(completed_);
    }
    add_per_process_cpu(o, meter_, opt_);
    return o;
  }

  Run& run_;
  const Options& opt_;
  SioCallbacks callbacks_;
  std::vector<std::unique_ptr<Worker>> workers_;
  std::string offer_, answer_;
  std::size_t started_ = 0, completed_ = 0;
  std::uint64_t deadline_ = 0, last_done_ = 0;
  bool stopping_ = false;
  Histogram negotiated_, total_;
  CpuMeter meter_;
};

void Worker::enter(Phase p) {
  phase = p;
  phase_started = now_ns();
}

void Worker::fail(const std::string& kind, const std::string& message) {
  if (phase == Phase::stopped) return;
  owner_.bench_run().errors().add(kind, "worker " + std::to_string(index_) + ": " + message);
  enter(Phase::stopped);  // its users may be half-way through a call: this worker does no more
}

void Worker::start_call() {
  if (phase == Phase::stopped) return;
  if (!owner_.take_call()) return enter(Phase::idle);
  enter(Phase::initiate);
  call_started_ = phase_started;
  joined_ = delivered_ = left_ = 0;
  std::vector<std::string> invitees;
  for (std::size_t j = 1; j < members.size(); ++j) invitees.push_back(members[j].user);
  members[0].http->request(
      "POST", "/api/video-call/initiate", members[0].token, initiate_body(invitees, static_cast<int>(members.size())),
      [this](int status, std::string_view body, std::string_view error) {
        if (phase != Phase::initiate) return;
        if (status != 201)
          return fail("initiate",
                      status ? std::to_string(status) + " " + std::string(body.substr(0, 200)) : std::string(error));
        session_id_ = std::string(find_string_member(body, "sessionId"));
        enter(Phase::join);
        for (std::size_t j = 0; j < members.size(); ++j) {
          members[j].http->request(
              "POST", "/api/video-call/join/" + session_id_, members[j].token, {},
              [this, j](int st, std::string_view b, std::string_view err) {
                if (phase != Phase::join) return;
                if (st != 200)
                  return fail("join", st ? std::to_string(st) + " " + std::string(b.substr(0, 200)) : std::string(err));
                joined_rest(j);
              });
        }
      });
}

void Worker::joined_rest(std::size_t member) {
  members[member].socket->emit_packet(join_packet(session_id_, members[member].user));
}

void Worker::on_event(std::size_t member, std::string_view name, std::string_view packet) {
  if (phase == Phase::stopped) return;
  if (name == "call_error") return fail("call_error", std::string(packet.substr(0, 300)));
  if (name == "call_session_joined" && phase == Phase::join) {
    if (++joined_ == members.size()) start_mesh();
    return;
  }
  if (phase != Phase::mesh) return;  // invitations, joins and leaves of others: not measured
  if (name == "webrtc_offer") {
    const std::size_t from = member_of(packet);
    if (from >= members.size()) return fail("relay", "offer from an unknown socket");
    send_relay(member, from, "webrtc_answer", "answer", owner_.answer());
    for (int k = 0; k < kCandidatesEachWay; ++k)
      send_relay(
          member, from, "webrtc_ice_candidate", "candidate",
          R"({"candidate":"candidate:1 1 udp 2122260223 192.168.1.7 54321 typ host generation 0","sdpMid":"0","sdpMLineIndex":0})");
    return delivered();
  }
  if (name == "webrtc_answer") {
    const std::size_t from = member_of(packet);
    if (from >= members.size()) return fail("relay", "answer from an unknown socket");
    for (int k = 0; k < kCandidatesEachWay; ++k)
      send_relay(
          member, from, "webrtc_ice_candidate", "candidate",
          R"({"candidate":"candidate:2 1 udp 2122260223 192.168.1.8 54322 typ host generation 0","sdpMid":"0","sdpMLineIndex":0})");
    return delivered();
  }
  if (name == "webrtc_ice_candidate") return delivered();
}

void Worker::start_mesh() {
  enter(Phase::mesh);
  for (std::size_t i = 0; i < members.size(); ++i)
    for (std::size_t j = i + 1; j < members.size(); ++j) send_relay(i, j, "webrtc_offer", "offer", owner_.offer());
}

void Worker::send_relay(std::size_t from, std::size_t to, std::string_view event, std::string_view field,
                        std::string_view value_json) {
  packet_ = "2[\"";
  packet_ += event;
  packet_ += R"(",{"sessionId":")";
  packet_ += session_id_;
  packet_ += R"(","targetSocketId":")";
  packet_ += members[to].socket->sid();
  packet_ += "\",\"";
  packet_ += field;
  packet_ += "\":";
  packet_ += value_json;
  packet_ += "}]";
  members[from].socket->emit_packet(packet_);
}

void Worker::delivered() {
  const std::size_t pairs = members.size() * (members.size() - 1) / 2;
  if (++delivered_ < pairs * kDeliveriesPerPair) return;
  const std::uint64_t negotiated = now_ns() - call_started_;
  enter(Phase::leave);
  for (auto& m : members) {
    m.socket->emit_with_ack("leave_call_session", session_ref_json(session_id_),
                            [this, negotiated](std::string_view ack) {
                              if (phase != Phase::leave) return;
                              if (!is_success_ack(ack)) return fail("leave", std::string(ack.substr(0, 200)));
                              if (++left_ < members.size()) return;
                              owner_.call_done(negotiated, now_ns() - call_started_);
                              start_call();
                            });
  }
}

// The member whose socket sent a relayed packet (its fromSocketId); members.size() if none.
std::size_t Worker::member_of(std::string_view packet) const {
  const auto pos = packet.rfind("\"fromSocketId\":\"");
  if (pos == std::string_view::npos) return members.size();
  const auto sid = find_string_member(packet.substr(pos), "fromSocketId");
  for (std::size_t j = 0; j < members.size(); ++j)
    if (members[j].socket->sid() == sid) return j;
  return members.size();
}

}  // namespace

json::object run_setup(Run& run) {
  Setup setup(run);
  auto out = setup.run();
  setup.stop();
  return out;
}

}  // namespace hearth::bench
