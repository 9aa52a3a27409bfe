// The helpers kept once for the whole code base (issue 12, "Written once"): UTF-8 validation (every WebSocket text
// frame), standard base64 (Engine.IO binary messages over polling) and query strings (every Engine.IO request).
#include <benchmark/benchmark.h>

#include <string>

#include <boost/url/parse.hpp>

#include "core/base64.hpp"
#include "core/query.hpp"
#include "core/utf8.hpp"
#include "micro/payloads.hpp"

namespace {
using namespace hearth;
namespace micro = hearth::bench::micro;

// Display names and chat-like text: two- to four-byte sequences between short ASCII runs.
std::string mixed_text() {
  std::string s;
  while (s.size() < 2048) s += "Zoë Ångström, 日本語のテキスト, emoji 🎥📞; ";
  return s;
}

std::string binary_bytes(std::size_t n) {
  std::string s(n, '\0');
  for (std::size_t i = 0; i < n; ++i) s[i] = static_cast<char>((i * 131 + 7) & 0xff);
  return s;
}

void BM_Utf8Valid(benchmark::State& state, std::string text) {
  for (auto _ : state) benchmark::DoNotOptimize(valid_utf8(text));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * text.size()));
}
BENCHMARK_CAPTURE(BM_Utf8Valid, offer, micro::offer_packet());
BENCHMARK_CAPTURE(BM_Utf8Valid, mixed, mixed_text());

void BM_Base64Encode(benchmark::State& state) {
  const std::string bytes = binary_bytes(static_cast<std::size_t>(state.range(0)));
  std::string out;
  for (auto _ : state) {
    out.clear();
    append_base64(out, bytes);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * bytes.size()));
}
BENCHMARK(BM_Base64Encode)->Arg(1024)->Arg(64 * 1024);

void BM_Base64Decode(benchmark::State& state) {
  std::string text;
  append_base64(text, binary_bytes(static_cast<std::size_t>(state.range(0))));
  std::string out;
  for (auto _ : state) {
    out.clear();
    auto r = append_base64_decoded(out, text);
    benchmark::DoNotOptimize(r);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * text.size()));
}
BENCHMARK(BM_Base64Decode)->Arg(1024)->Arg(64 * 1024);

// The target of an Engine.IO polling request as socket.io-client sends it.
void BM_QueryParse(benchmark::State& state) {
  const std::string target = "/socket.io/?EIO=4&transport=polling&t=PfK3x9a&sid=Xb3kQ9sV2mLp0aZrT7eN";
  for (auto _ : state) {
    auto params = parse_query(query_of(target));
    benchmark::DoNotOptimize(params);
  }
}
BENCHMARK(BM_QueryParse);

// The same with Boost.URL (origin-form parse, then the decoded pairs), for the choice in core/query.hpp.
void BM_QueryParseBoostUrl(benchmark::State& state) {
  const std::string target = "/socket.io/?EIO=4&transport=polling&t=PfK3x9a&sid=Xb3kQ9sV2mLp0aZrT7eN";
  boost::urls::encoding_opts opts;
  opts.space_as_plus = true;
  for (auto _ : state) {
    QueryParams params;
    if (auto url = boost::urls::parse_origin_form(target)) {
      for (const auto& p : url->encoded_params()) params.emplace_back(p.key.decode(opts), p.value.decode(opts));
    }
    benchmark::DoNotOptimize(params);
  }
}
BENCHMARK(BM_QueryParseBoostUrl);

}  // namespace
