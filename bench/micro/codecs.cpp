// The packet codecs one by one: WebSocket framing (server side), Engine.IO, Socket.IO header + JSON validation,
// event splitting, and JWT verification (once per connection).
#include <benchmark/benchmark.h>

#include <chrono>
#include <cstring>

#include "auth/jwt.hpp"
#include "micro/payloads.hpp"
#include "net/websocket_frame.hpp"
#include "realtime/engineio/packet.hpp"
#include "realtime/socketio/data.hpp"
#include "realtime/socketio/json_check.hpp"
#include "realtime/socketio/packet.hpp"

namespace {
using namespace hearth;
namespace micro = hearth::bench::micro;

std::string engine(const std::string& sio) { return "4" + sio; }

// Server side: unmask + UTF-8 check of one client frame. The parser unmasks in place, so each iteration copies
// the frame first (memcpy of ~300 B, included in the time).
void BM_WsParseClientFrame(benchmark::State& state, std::string payload) {
  const std::string frame = micro::client_frame(engine(payload));
  std::string buf = frame;
  net::ws::FrameParser parser(1'000'000);
  for (auto _ : state) {
    std::memcpy(buf.data(), frame.data(), frame.size());
    auto ev = parser.next(buf.data(), buf.size());
    benchmark::DoNotOptimize(ev);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * frame.size()));
}
BENCHMARK_CAPTURE(BM_WsParseClientFrame, candidate, micro::candidate_packet());
BENCHMARK_CAPTURE(BM_WsParseClientFrame, offer, micro::offer_packet());

void BM_WsEncodeHeader(benchmark::State& state) {
  std::array<char, 10> h{};
  for (auto _ : state) benchmark::DoNotOptimize(net::ws::encode_header(h, net::ws::Opcode::text, 350));
}
BENCHMARK(BM_WsEncodeHeader);

void BM_EngineDecodeText(benchmark::State& state) {
  const std::string frame = engine(micro::candidate_packet());
  std::string scratch;
  for (auto _ : state) {
    auto p = realtime::engineio::decode_text_frame(frame, 1'000'000, scratch);
    benchmark::DoNotOptimize(p);
  }
}
BENCHMARK(BM_EngineDecodeText);

// decode_header validates the whole JSON (SAX, no allocation): the dominant codec cost per relayed message.
void BM_SioDecodeHeader(benchmark::State& state, std::string packet) {
  for (auto _ : state) {
    auto h = realtime::socketio::decode_header(packet);
    benchmark::DoNotOptimize(h);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * packet.size()));
}
BENCHMARK_CAPTURE(BM_SioDecodeHeader, candidate, micro::candidate_packet());
BENCHMARK_CAPTURE(BM_SioDecodeHeader, offer, micro::offer_packet());

void BM_SioSplitEvent(benchmark::State& state) {
  const std::string packet = micro::candidate_packet();
  const std::string_view data = std::string_view(packet).substr(1);
  std::string scratch;
  for (auto _ : state) {
    auto ev = realtime::socketio::split_event(data, scratch);
    benchmark::DoNotOptimize(ev);
  }
}
BENCHMARK(BM_SioSplitEvent);

void BM_SioEncodeEvent(benchmark::State& state) {
  const std::string arg =
      R"({"sessionId":"call_1795600429338_zvb4n2o85","userId":"alice","socketId":"Xb3kQ9sV2mLp0aZrT7eN"})";
  std::string out;
  for (auto _ : state) {
    out = "4";
    const std::string_view args[] = {arg};
    realtime::socketio::append_event(out, "/", "user_left_call", args);
    benchmark::DoNotOptimize(out);
  }
}
BENCHMARK(BM_SioEncodeEvent);

// Arg 0: every token verified in full (the cache off: the first request of a token); 1: the same token again, as
// a client sends it with every request (answered by the verifier's TokenCache).
void BM_JwtVerifyHs256(benchmark::State& state) {
  const std::string secret = "hearth-bench-secret-0123456789";
  auth::JwtConfig cfg;
  cfg.secret = secret;
  cfg.cached_tokens = state.range(0) == 0 ? 0 : 4096;
  const auth::JwtVerifier verifier(cfg);
  const auto now = std::chrono::floor<Millis>(std::chrono::system_clock::now());
  const std::string token = auth::mint_hs256(secret, "alice", "Alice", "user", std::chrono::hours(1), now);
  for (auto _ : state) {
    auto p = verifier.verify(token, now);
    benchmark::DoNotOptimize(p);
  }
}
BENCHMARK(BM_JwtVerifyHs256)->Arg(0)->Arg(1);

}  // namespace
