// hearth-bench's own per-message costs (it must stay far cheaper than the servers it measures): masking a
// client frame, parsing a server frame.
#include <benchmark/benchmark.h>

#include "hearth_bench/ws_codec.hpp"
#include "micro/payloads.hpp"
#include "net/websocket_frame.hpp"

namespace {
using namespace hearth::bench;

void BM_ClientMaskFrame(benchmark::State& state) {
  const std::string packet = "4" + micro::candidate_packet();
  std::string out;
  std::uint32_t mask = 1;
  for (auto _ : state) {
    out.clear();
    ws::append_client_frame(out, ws::Opcode::text, packet, mask++);
    benchmark::DoNotOptimize(out);
  }
}
BENCHMARK(BM_ClientMaskFrame);

void BM_ClientParseServerFrame(benchmark::State& state) {
  const std::string frame =
      hearth::net::ws::encode_frame(hearth::net::ws::Opcode::text, "4" + micro::candidate_packet());
  ws::ServerFrameParser parser;
  for (auto _ : state) {
    auto ev = parser.next(frame.data(), frame.size());
    benchmark::DoNotOptimize(ev);
  }
}
BENCHMARK(BM_ClientParseServerFrame);

}  // namespace
