// Runs every fuzz entry point without libFuzzer: over its seed corpus (tests/fuzz/corpus/<target>/), then over
// deterministic mutations of it (seeded PRNG, so a failure reproduces). Registered with ctest once per target, so
// ordinary ASan/UBSan test runs exercise every parser with hostile input. With file arguments it replays just
// those files (crash reproduction), through every target or the --target ones.
//   fuzz_replay [--target NAME]... [--iterations N] [--seed S] [--corpus DIR] [file...]
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <string_view>
#include <vector>

#define HEARTH_FUZZ_DECLARE(name) extern "C" int hearth_fuzz_##name(const std::uint8_t* data, std::size_t size);
HEARTH_FUZZ_DECLARE(engineio)
HEARTH_FUZZ_DECLARE(socketio)
HEARTH_FUZZ_DECLARE(websocket_frame)
HEARTH_FUZZ_DECLARE(http)
HEARTH_FUZZ_DECLARE(rest_body)
HEARTH_FUZZ_DECLARE(json_check)
HEARTH_FUZZ_DECLARE(relay)
HEARTH_FUZZ_DECLARE(jwt)
HEARTH_FUZZ_DECLARE(query)
HEARTH_FUZZ_DECLARE(session_json)
HEARTH_FUZZ_DECLARE(quality)
HEARTH_FUZZ_DECLARE(bus_message)
#undef HEARTH_FUZZ_DECLARE

namespace {

struct Target {
  const char* name;
  int (*run)(const std::uint8_t*, std::size_t);
  std::vector<std::string> dictionary;  // tokens the mutator splices in
  std::vector<std::string> corpus = {};
};

// JSON punctuation and the edge cases every JSON reader has to get right.
const std::vector<std::string> kJsonTokens = {"{",
                                              "}",
                                              "[",
                                              "]",
                                              ",",
                                              ":",
                                              "\"",
                                              "\\",
                                              "\\u00",
                                              "\\ud800",
                                              "\\udc00",
                                              "null",
                                              "true",
                                              "false",
                                              "-0",
                                              "1e400",
                                              "0e400",
                                              "9007199254740993",
                                              "18446744073709551616",
                                              "0.5",
                                              "\xff",
                                              "\xc3\xa9",
                                              "\xed\xa0\x80",
                                              "\xf4\x90\x80\x80",
                                              "[[[[[[[[",
                                              "]]]]]]]]",
                                              "{\"a\":{\"a\":",
                                              " ",
                                              "\t",
                                              "\n"};

std::vector<std::string> with_json(std::vector<std::string> tokens) {
  tokens.insert(tokens.end(), kJsonTokens.begin(), kJsonTokens.end());
  return tokens;
}

std::vector<Target> targets() {
  using namespace std::string_literals;
  return {
      {"engineio", hearth_fuzz_engineio, {"\x1e", "b", "0", "4", "6", "probe", "AQID", "==", "=", "+/", "Zm9v"}},
      {"socketio", hearth_fuzz_socketio,
       with_json({"-", "/", ",", "_placeholder", "\"num\":", ":true", "0", "\"connect\"", "\n", "1e3"})},
      {"websocket_frame",
       hearth_fuzz_websocket_frame,
       {"\x81"s, "\x01"s, "\x00"s, "\x80"s, "\x82"s, "\x88"s, "\x89"s, "\x8a"s, "\xfe"s, "\xff"s, "\x7e\x00"s,
        "\x7f\x00\x00\x00\x00"s, "\x03\xe8"s, "\xc3\xa9"s, "\xed\xa0\x80"s, "\xf0\x9f\x98\x80"s, "\x37\xfa\x21\x3d"s}},
      {"http", hearth_fuzz_http,
       with_json({"\r\n",
                  "\r\n\r\n",
                  "GET ",
                  "POST ",
                  "PUT ",
                  "OPTIONS ",
                  " HTTP/1.1",
                  "Authorization: Bearer $A\r\n",
                  "Authorization: Bearer $B\r\n",
                  "Content-Type: application/json\r\n",
                  "Content-Length: ",
                  "Transfer-Encoding: chunked\r\n",
                  "Origin: https://app.example\r\n",
                  "Access-Control-Request-Method: POST\r\n",
                  "/api/video-call/",
                  "initiate",
                  "join/$S",
                  "session/$S",
                  "/media",
                  "/end",
                  "history?page=1&limit=",
                  "\"sessionType\":\"group\"",
                  "\"participants\":[\"bob\"]",
                  "\"hasAudio\":false",
                  "%2F",
                  "//",
                  "/quality",
                  "analytics?from=2023-11-14T22:13:20Z&to=",
                  "2023-11-15T00:00:00%2B01:00",
                  "&granularity=hour"})},
      {"rest_body", hearth_fuzz_rest_body,
       with_json({"\"sessionType\"", "\"one-to-one\"", "\"group\"", "\"therapy\"", "\"participants\"",
                  "\"callSettings\"", "\"metadata\"", "\"tags\"", "\"title\"", "\"maxParticipants\"",
                  "\"therapySessionId\"", "\"hasVideo\"", "\"hasAudio\"", "\"isScreenSharing\"",
                  "page=", "limit=", "status=", "&", "%"})},
      {"json_check", hearth_fuzz_json_check,
       with_json({"\"_placeholder\"", "\"num\"", "\"connect\"", "\"disconnecting\"", "1.0", "1e0", "-0", "2"})},
      {"relay", hearth_fuzz_relay,
       with_json({"\"sessionId\"", "\"targetSocketId\"", "\"offer\"", "\"answer\"", "\"candidate\"", "\"fromSocketId\"",
                  "\"fromUserId\"", "\"webrtc_offer\"", "\"webrtc_ice_candidate\"", "\"sess\\u0069onId\""})},
      {"jwt", hearth_fuzz_jwt,
       with_json({".", "eyJ", "\"alg\"", "\"HS256\"", "\"none\"", "\"typ\"", "\"JWT\"", "\"crit\"", "\"sub\"",
                  "\"userId\"", "\"id\"", "\"exp\"", "\"nbf\"", "\"name\"", "\"role\"", "1700000000", "4102444800",
                  "-_", "\x1f"})},
      {"query",
       hearth_fuzz_query,
       {"&", "=", "%", "%2", "%20", "%zz", "%00", "+", "?", "#", "page=", "limit=", "status=", "%C3%A9", "%FF"}},
      {"session_json", hearth_fuzz_session_json,
       with_json({"\"sessionId\"", "\"participants\"", "\"userId\"", "\"joinedAt\"", "\"2023-11-14T22:13:20.000Z\"",
                  "\"status\"", "\"ended\"", "\"endReason\"", "\"createdAt\"", "\"invitedUsers\"", "\"metadata\"",
                  "\"callSettings\"", "\"maxParticipants\"", "\"duration\""})},
      {"quality", hearth_fuzz_quality,
       with_json({"\n", "\"sessionId\"", "\"links\"", "\"socketId\"", "\"rttMs\"", "\"jitterMs\"", "\"packetLossPct\"",
                  "\"localCandidateType\"", "\"remoteCandidateType\"", "\"relay\"", "\"host\"",
                  "\"connectionEstablishedMs\"", "100", "60000", "x"})},
      {"bus_message",
       hearth_fuzz_bus_message,
       {"R", "F", "B", "J", "L", "U", "E", "0:", "1:", "9:", "10:", ":", "n1.", "."}},
  };
}

// splitmix64: tiny, deterministic across platforms.
class Rng {
 public:
  explicit Rng(std::uint64_t seed) : state_(seed) {}
  std::uint64_t next() {
    std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  std::size_t below(std::size_t n) { return n == 0 ? 0 : static_cast<std::size_t>(next() % n); }

 private:
  std::uint64_t state_;
};

constexpr std::size_t kMaxInput = 4096;

void mutate_once(std::string& s, const Target& t, const std::vector<std::string>& pool, Rng& rng) {
  const std::size_t pos = rng.below(s.size() + 1);
  switch (rng.below(9)) {
    case 0:  // flip a bit
      if (!s.empty()) s[pos % s.size()] = static_cast<char>(s[pos % s.size()] ^ (1 << rng.below(8)));
      break;
    case 1:  // random byte
      if (!s.empty()) s[pos % s.size()] = static_cast<char>(rng.next());
      break;
    case 2:  // insert random byte
      s.insert(pos, 1, static_cast<char>(rng.next()));
      break;
    case 3:  // insert a dictionary token
      s.insert(pos, t.dictionary[rng.below(t.dictionary.size())]);
      break;
    case 4:  // erase a range
      s.erase(pos, rng.below(8) + 1);
      break;
    case 5: {  // duplicate a range
      const std::string chunk = s.substr(pos, rng.below(16) + 1);
      s.insert(rng.below(s.size() + 1), chunk);
      break;
    }
    case 6: {  // splice with another input
      const std::string& other = pool[rng.below(pool.size())];
      s = s.substr(0, pos) + other.substr(rng.below(other.size() + 1));
      break;
    }
    case 7:  // truncate
      s.resize(pos);
      break;
    default:  // replace a digit run with a large number
      s.insert(pos, std::to_string(rng.next()));
      break;
  }
  if (s.size() > kMaxInput) s.resize(kMaxInput);
}

// The input being run, saved by the crash handler so a failure found by a mutation can be replayed.
const std::string* g_current = nullptr;

extern "C" void save_current_input(int sig) {
  if (g_current != nullptr) {
    const int fd = ::open("fuzz_replay-crash", O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0) {
      (void)!::write(fd, g_current->data(), g_current->size());
      ::close(fd);
      static constexpr char note[] = "fuzz_replay: failing input saved to ./fuzz_replay-crash\n";
      (void)!::write(2, note, sizeof note - 1);
    }
  }
  std::signal(sig, SIG_DFL);
  std::raise(sig);
}

void run(const Target& t, const std::string& input) {
  g_current = &input;
  t.run(reinterpret_cast<const std::uint8_t*>(input.data()), input.size());
  g_current = nullptr;
}

void fuzz(const Target& t, std::size_t iterations, std::uint64_t seed) {
  for (const std::string& input : t.corpus) run(t, input);
  Rng rng(seed);
  std::vector<std::string> pool = t.corpus;  // grows with mutants so mutations stack
  for (std::size_t i = 0; i < iterations; ++i) {
    std::string input;
    if (rng.below(20) == 0) {  // pure noise, any length
      input.resize(rng.below(64));
      for (char& c : input) c = static_cast<char>(rng.next());
    } else {
      input = pool[rng.below(pool.size())];
      const std::size_t rounds = 1 + rng.below(4);
      for (std::size_t r = 0; r < rounds; ++r) mutate_once(input, t, pool, rng);
    }
    run(t, input);
    if (pool.size() < 512) {
      pool.push_back(input);
    } else {
      pool[t.corpus.size() + rng.below(pool.size() - t.corpus.size())] = input;
    }
  }
  std::printf("%s: %zu corpus inputs + %zu mutations ok\n", t.name, t.corpus.size(), iterations);
}

bool read_file(const std::filesystem::path& path, std::string& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  out.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  return true;
}

// The seed files of `t`, in name order (so the run is the same on every machine). Fails on a missing or empty
// directory: seeds must not silently disappear from the test.
bool load_corpus(Target& t, const std::filesystem::path& root) {
  std::error_code ec;
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(root / t.name, ec))
    if (entry.is_regular_file()) files.push_back(entry.path());
  if (ec || files.empty()) {
    std::fprintf(stderr, "%s: no seed corpus in %s\n", t.name, (root / t.name).c_str());
    return false;
  }
  std::sort(files.begin(), files.end());
  for (const auto& path : files) {
    std::string input;
    if (!read_file(path, input)) return false;
    t.corpus.push_back(std::move(input));
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  std::size_t iterations = 20'000;
  std::uint64_t seed = 0x4865617274680001ull;
  std::filesystem::path corpus_root = HEARTH_FUZZ_CORPUS;
  std::vector<std::string> only;
  std::vector<const char*> files;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--iterations") == 0 && i + 1 < argc) {
      iterations = std::strtoull(argv[++i], nullptr, 10);
    } else if (std::strcmp(argv[i], "--seed") == 0 && i + 1 < argc) {
      seed = std::strtoull(argv[++i], nullptr, 0);
    } else if (std::strcmp(argv[i], "--target") == 0 && i + 1 < argc) {
      only.emplace_back(argv[++i]);
    } else if (std::strcmp(argv[i], "--corpus") == 0 && i + 1 < argc) {
      corpus_root = argv[++i];
    } else {
      files.push_back(argv[i]);
    }
  }

  for (const int sig : {SIGABRT, SIGSEGV, SIGBUS, SIGFPE, SIGILL}) std::signal(sig, save_current_input);
  std::vector<Target> chosen;
  for (Target& t : targets())
    if (only.empty() || std::find(only.begin(), only.end(), t.name) != only.end()) chosen.push_back(std::move(t));
  if (chosen.size() < std::max<std::size_t>(only.size(), 1)) {
    std::fprintf(stderr, "unknown target among the --target names\n");
    return 2;
  }
  if (!files.empty()) {
    for (const char* path : files) {
      std::string input;
      if (!read_file(path, input)) {
        std::fprintf(stderr, "cannot read %s\n", path);
        return 2;
      }
      for (const Target& t : chosen) run(t, input);
      std::printf("%s ok\n", path);
    }
    return 0;
  }
  for (Target& t : chosen) {
    if (!load_corpus(t, corpus_root)) return 2;
    fuzz(t, iterations, seed);
  }
  return 0;
}
