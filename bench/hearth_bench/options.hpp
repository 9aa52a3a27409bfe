#pragma once
// hearth-bench's command line. Other tools drive it (bench/compare.sh, the smoke test), so the option names are
// a contract: SCENARIO --url --jwt-secret [--calls] [--participants] [--sockets] [--concurrency] [--duration]
// [--rate] [--server-pid] [--json], plus a few tuning knobs documented in --help. --url and --server-pid may be
// given more than once (several nodes of a cluster): with one of each, everything is as it always was.
// Thread safety: a plain value.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace hearth::bench {

enum class Scenario { relay, setup, idle, rest };

// relay: which peers a participant sends to. With several --url, a peer is "remote" when its socket is on another
// node (by the node prefix of its socket id, "n2.…", or else by the --url it connected through).
enum class RelayTo { all, remote, local };

struct ServerUrl {
  std::string host;
  std::uint16_t port = 8080;
};

struct Options {
  Scenario scenario = Scenario::relay;
  std::string host = "127.0.0.1";  // the first --url
  std::uint16_t port = 8080;
  // Every --url in order (at least one). Participant j of a call (relay, setup) and connection i (rest, idle)
  // connect through URL j (i) mod their count.
  std::vector<ServerUrl> urls;
  std::string jwt_secret;

  int calls = 0;         // relay: calls held open (100); setup: calls to set up (1000); 0 = the scenario default
  int participants = 4;  // per call
  int sockets = 1000;    // idle
  int concurrency = 0;   // setup: calls in flight (16); rest: connections (32); idle: connects in flight (256)
  double duration = 10;  // seconds measured (after the warm-up)
  double warmup = 2;     // seconds of load before measuring (relay, rest)
  double rate = 0;       // relay: relays/s in total (0 = as fast as the window allows)
  int window = 16;       // relay: messages in flight per sending socket
  std::optional<int> server_pid;  // the first --server-pid (idle: its RSS)
  std::vector<int> server_pids;   // every --server-pid: their CPU time is summed (and also reported per process)
  RelayTo relay_to = RelayTo::all;
  bool call_in_handshake = false;  // relay: each socket names its call in the handshake (?callId=), connecting
                                   // once the call exists, as the web client opened on a call link does
  bool json = false;
  int source_ips = 32;  // on loopback: spread client sockets over 127.0.0.2..(1+N) (0 = do not bind); 32 keeps
                        // the idle scenario's 19,000 sockets under MAX_CONNECTIONS_PER_ADDRESS (1000)
  std::vector<int> mix{1, 1, 1};  // rest: initiate:get:history weights
  std::string user_prefix;        // prefix of the user ids (default: a per-run random tag, so runs never collide)
};

// Parses argv; prints help or an error and exits (0 / 2) on --help or bad input.
Options parse_options(int argc, char** argv);

const char* to_string(Scenario s);
const char* to_string(RelayTo r);

}  // namespace hearth::bench
