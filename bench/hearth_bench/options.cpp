#include "hearth_bench/options.hpp"

#include <cstdlib>
#include <iostream>
#include <map>
#include <random>

#include <CLI/CLI.hpp>

namespace hearth::bench {

namespace {

// http://HOST:PORT[/] → host, port. Only plain HTTP: the benchmarks run on loopback.
ServerUrl parse_url(const std::string& url) {
  ServerUrl o;
  const std::string scheme = "http://";
  if (url.rfind(scheme, 0) != 0) throw CLI::ValidationError("--url", "must start with http://");
  std::string rest = url.substr(scheme.size());
  if (auto slash = rest.find('/'); slash != std::string::npos) rest.resize(slash);
  const auto colon = rest.rfind(':');
  if (colon == std::string::npos) {
    o.host = rest;
    o.port = 80;
  } else {
    o.host = rest.substr(0, colon);
    const int port = std::atoi(rest.c_str() + colon + 1);
    if (port <= 0 || port > 65535) throw CLI::ValidationError("--url", "bad port");
    o.port = static_cast<std::uint16_t>(port);
  }
  if (o.host.empty()) throw CLI::ValidationError("--url", "no host");
  if (o.host == "localhost") o.host = "127.0.0.1";
  return o;
}

std::vector<int> parse_mix(const std::string& text) {
  std::vector<int> out;
  std::size_t pos = 0;
  while (pos <= text.size()) {
    const auto end = text.find(':', pos);
    out.push_back(std::atoi(text.substr(pos, end - pos).c_str()));
    if (end == std::string::npos) break;
    pos = end + 1;
  }
  if (out.size() != 3 || out[0] < 0 || out[1] < 0 || out[2] < 0 || out[0] + out[1] + out[2] == 0)
    throw CLI::ValidationError("--mix", "three weights initiate:get:history, e.g. 1:1:1");
  if (out[1] > 0 && out[0] == 0) throw CLI::ValidationError("--mix", "get needs initiate (it reads what was created)");
  return out;
}

std::string random_tag() {
  std::random_device rd;
  static constexpr char digits[] = "abcdefghijklmnopqrstuvwxyz0123456789";
  std::string tag = "b";
  for (int i = 0; i < 6; ++i) tag += digits[rd() % 36];
  return tag;
}

}  // namespace

const char* to_string(Scenario s) {
  switch (s) {
    case Scenario::relay:
      return "relay";
    case Scenario::setup:
      return "setup";
    case Scenario::idle:
      return "idle";
    case Scenario::rest:
      return "rest";
  }
  return "?";
}

const char* to_string(RelayTo r) {
  switch (r) {
    case RelayTo::all:
      return "all";
    case RelayTo::remote:
      return "remote";
    case RelayTo::local:
      return "local";
  }
  return "?";
}

Options parse_options(int argc, char** argv) {
  Options o;
  CLI::App app{
      "hearth-bench: load generator for hearth-call's API (Socket.IO over WebSocket + REST).\n"
      "Scenarios:\n"
      "  relay  C calls x P participants joined; each socket sends webrtc_ice_candidate to its peers, at most\n"
      "         --window in flight (or --rate relays/s in total); delivered relays/s and latency percentiles\n"
      "  setup  N calls (--calls) at concurrency K: initiate, join (REST + socket), full-mesh offer/answer/ICE,\n"
      "         leave; set-ups/s and time-to-negotiated\n"
      "  idle   N authenticated sockets held for --duration; with --server-pid the server's RSS per socket\n"
      "  rest   initiate + get + history mix (--mix) on K keep-alive connections; requests/s and latency\n"
      "The server must allow the load: raise SOCKET_EVENTS_PER_SECOND and RATE_LIMIT_PER_MINUTE."};
  std::string scenario, mix, relay_to;
  std::vector<std::string> urls;
  std::vector<int> pids;
  app.add_option("scenario", scenario, "relay | setup | idle | rest")->required();
  app.add_option("--url", urls,
                 "server base URL, http://HOST:PORT; more than once for several nodes: participant j of every call "
                 "(relay, setup) and connection i (rest, idle) go through URL j (i) mod the number of URLs")
      ->required()
      ->allow_extra_args(false);
  app.add_option("--jwt-secret", o.jwt_secret, "HS256 secret the server verifies tokens with")->envname("JWT_SECRET");
  app.add_option("--calls", o.calls, "relay: calls (default 100); setup: calls to set up (default 1000)");
  app.add_option("--participants", o.participants, "participants per call (default 4)")->check(CLI::Range(2, 64));
  app.add_option("--sockets", o.sockets, "idle: sockets to open (default 1000)")->check(CLI::Range(1, 1'000'000));
  app.add_option("--concurrency", o.concurrency,
                 "setup: calls in flight (16); rest: connections (32); idle: connects in flight (256)");
  app.add_option("--duration", o.duration, "seconds to measure (default 10)")->check(CLI::Range(0.1, 86400.0));
  app.add_option("--warmup", o.warmup, "seconds of load before measuring (relay, rest; default 2)")
      ->check(CLI::Range(0.0, 600.0));
  app.add_option("--rate", o.rate,
                 "relay: total relays/s, paced in turns of one candidate from a participant to each of its peers "
                 "(default: as fast as the window allows)");
  app.add_option("--window", o.window, "relay: messages in flight per sending socket (default 16)")
      ->check(CLI::Range(1, 100000));
  app.add_option("--server-pid", pids,
                 "server process: report its CPU time and RSS; more than once (nodes, Redis): CPU time summed "
                 "over all of them, and each one's too (RSS: the first one's)")
      ->allow_extra_args(false)
      ->check(CLI::PositiveNumber);
  app.add_option("--relay-to", relay_to,
                 "relay: all peers (default), or only those on another node (remote) or on the same node (local); "
                 "a peer's node is its socket id's prefix (\"n2.…\") or else the --url it connected through");
  app.add_flag("--call-in-handshake", o.call_in_handshake,
               "relay: sockets connect once their call exists and name it in the handshake (?callId=), so the "
               "server places them on the call's shard (as the web client opened on a call link does)");
  app.add_flag("--json", o.json, "one JSON object on stdout instead of the one-line summary");
  app.add_option("--source-ips", o.source_ips,
                 "on loopback, spread client sockets over 127.0.0.2..(1+N) (default 32; 0 = kernel's choice)")
      ->check(CLI::Range(0, 250));
  app.add_option("--mix", mix, "rest: initiate:get:history weights (default 1:1:1)");
  app.add_option("--user-prefix", o.user_prefix, "prefix of the user ids (default: random per run)");
  try {
    app.parse(argc, argv);
    static const std::map<std::string, Scenario> names{
        {"relay", Scenario::relay}, {"setup", Scenario::setup}, {"idle", Scenario::idle}, {"rest", Scenario::rest}};
    auto it = names.find(scenario);
    if (it == names.end()) throw CLI::ValidationError("scenario", "must be relay, setup, idle or rest");
    o.scenario = it->second;
    for (const auto& url : urls) o.urls.push_back(parse_url(url));
    o.host = o.urls.front().host;
    o.port = o.urls.front().port;
    o.server_pids = pids;
    if (!pids.empty()) o.server_pid = pids.front();
    if (!relay_to.empty()) {
      static const std::map<std::string, RelayTo> targets{
          {"all", RelayTo::all}, {"remote", RelayTo::remote}, {"local", RelayTo::local}};
      auto t = targets.find(relay_to);
      if (t == targets.end()) throw CLI::ValidationError("--relay-to", "must be all, remote or local");
      o.relay_to = t->second;
    }
    if (o.jwt_secret.empty()) throw CLI::ValidationError("--jwt-secret", "required (or JWT_SECRET)");
    if (!mix.empty()) o.mix = parse_mix(mix);
    if (o.rate < 0) throw CLI::ValidationError("--rate", "must be >= 0");
    if (o.calls < 0 || o.concurrency < 0) throw CLI::ValidationError("--calls/--concurrency", "must be >= 0");
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    std::exit(code == 0 ? 0 : 2);  // --help: 0; any usage error: 2
  }
  if (o.calls == 0) o.calls = o.scenario == Scenario::setup ? 1000 : 100;
  if (o.concurrency == 0) o.concurrency = o.scenario == Scenario::setup ? 16 : o.scenario == Scenario::idle ? 256 : 32;
  if (o.user_prefix.empty()) o.user_prefix = random_tag();
  return o;
}

}  // namespace hearth::bench
