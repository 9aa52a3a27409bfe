// Runs every fuzz entry point without libFuzzer: over a built-in corpus, then over deterministic mutations of
// it (seeded PRNG, so a failure reproduces). Registered with ctest, so ordinary ASan/UBSan test runs exercise
// the codecs with hostile input. With file arguments it replays just those files (crash reproduction).
//   fuzz_replay [--iterations N] [--seed S] [file...]
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <string_view>
#include <vector>

extern "C" int hearth_fuzz_engineio(const std::uint8_t* data, std::size_t size);
extern "C" int hearth_fuzz_socketio(const std::uint8_t* data, std::size_t size);

namespace {

using namespace std::string_literals;

struct Target {
  const char* name;
  int (*run)(const std::uint8_t*, std::size_t);
  std::vector<std::string> corpus;
  std::vector<std::string> dictionary;  // tokens the mutator splices in
};

std::vector<Target> targets() {
  return {
      {"engineio",
       hearth_fuzz_engineio,
       {"0{\"sid\":\"abc\",\"upgrades\":[\"websocket\"],\"pingInterval\":25000,\"pingTimeout\":20000}", "1", "2",
        "2probe", "3probe", "4hello", "5", "6", "bAQIDBA==",
        "4hello\x1e"
        "4\xe2\x82\xac",
        "4hello\x1e"
        "bAQIDBA==",
        "2\x1e"
        "3\x1e"
        "6\x1e"
        "b",
        "42[\"message\",\"hi\"]\x1e"
        "451-[\"a\",{\"_placeholder\":true,\"num\":0}]\x1e"
        "bAA==",
        "\x00\x01\x02\xff"s, ""},
       {"\x1e", "b", "0", "4", "6", "probe", "AQID", "==", "=", "+/", "Zm9v"}},
      {"socketio",
       hearth_fuzz_socketio,
       {"0",
        "0/admin,",
        "0/admin,{\"token\":\"123\"}",
        "0{\"sid\":\"oSO0OpakMV_3jnilAAAA\"}",
        "1",
        "1/admin,",
        "2[\"hello\",1]",
        "2/admin,[\"hello\"]",
        "212[\"ack\"]",
        "2/admin,456[\"project:delete\",123]",
        "3/admin,456[]",
        "312[\"bar\",{\"x\":[1,2.5,true,null]}]",
        "4{\"message\":\"Not authorized\"}",
        "4/admin,\"nope\"",
        "51-[\"hello\",{\"_placeholder\":true,\"num\":0}]",
        "52-/files,9[\"up\",{\"f\":[{\"_placeholder\":true,\"num\":1}]},{\"_placeholder\":true,\"num\":0}]",
        "61-/admin,456[{\"_placeholder\":true,\"num\":0}]",
        "50-[\"x\"]",
        "2[\"caf\\u00e9\",\"\\ud83d\\ude00\"]",
        "2[\"signal\",{\"sdp\":\"v=0\\r\\no=- 1 2 IN IP4 0.0.0.0\\r\\n\",\"type\":\"offer\"}]",
        "51-[\"a\",{\"_placeholder\":true,\"num\":0}]\nbytes\n2[\"x\"]\n"},
       {"-",
        "/",
        ",",
        "[",
        "]",
        "{",
        "}",
        "\"",
        "\\u00",
        "\\ud800",
        "_placeholder",
        "\"num\":",
        ":true",
        "0",
        "9007199254740993",
        "1e3",
        "\"connect\"",
        "null",
        "\n",
        "\xff",
        "\xc3\xa9",
        "[[[[[[[[",
        "]]]]]]]]"}},
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

void run(const Target& t, const std::string& input) {
  t.run(reinterpret_cast<const std::uint8_t*>(input.data()), input.size());
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

bool read_file(const char* path, std::string& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  out.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  std::size_t iterations = 20'000;
  std::uint64_t seed = 0x4865617274680001ull;
  std::vector<const char*> files;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--iterations") == 0 && i + 1 < argc) {
      iterations = std::strtoull(argv[++i], nullptr, 10);
    } else if (std::strcmp(argv[i], "--seed") == 0 && i + 1 < argc) {
      seed = std::strtoull(argv[++i], nullptr, 0);
    } else {
      files.push_back(argv[i]);
    }
  }

  const std::vector<Target> all = targets();
  if (!files.empty()) {
    for (const char* path : files) {
      std::string input;
      if (!read_file(path, input)) {
        std::fprintf(stderr, "cannot read %s\n", path);
        return 2;
      }
      for (const Target& t : all) run(t, input);
      std::printf("%s ok\n", path);
    }
    return 0;
  }
  for (const Target& t : all) fuzz(t, iterations, seed);
  return 0;
}
