// The server's per-message relay work without I/O, strands or rooms: everything between the bytes of a client's
// webrtc_ice_candidate frame and the bytes of the frame for its target — the CPU floor of one relay in this
// codebase's code (compare with server_cpu_us_per_relay from hearth-bench; the rest is syscalls, scheduling
// and the room/strand machinery).
#include <benchmark/benchmark.h>

#include <cstring>

#include "micro/payloads.hpp"
#include "net/websocket_frame.hpp"
#include "realtime/engineio/packet.hpp"
#include "realtime/socketio/data.hpp"
#include "realtime/socketio/packet.hpp"
#include "signaling/payloads.hpp"
#include "signaling/relay.hpp"

namespace {
using namespace hearth;
namespace micro = hearth::bench::micro;

// Returns the bytes written for the target (header + payload) so the work cannot be optimised away.
std::size_t relay_once(char* frame, std::size_t size, net::ws::FrameParser& parser, std::string& scratch,
                       std::string& s1, std::string& s2) {
  const auto ev = parser.next(frame, size);
  auto packet = realtime::engineio::decode_text_frame(ev.payload, 1'000'000, scratch);
  auto header = realtime::socketio::decode_header(packet->data);
  auto event = realtime::socketio::split_event(header->data, scratch);
  const auto payload = signaling::first_argument(event->args);
  const std::string_view field = event->name == "webrtc_offer" ? "offer" : "candidate";
  auto fields = signaling::relay_fields(payload, field, s1, s2);
  const std::string out = signaling::encode_relay(event->name, payload, "Xb3kQ9sV2mLp0aZrT7eN", "alice");
  std::array<char, 10> h{};
  const std::size_t n = net::ws::encode_header(h, net::ws::Opcode::text, out.size());
  return n + out.size() + fields->session_id.size() + fields->target_socket_id.size();
}

void BM_RelayPath(benchmark::State& state, std::string packet) {
  const std::string frame = micro::client_frame("4" + packet);
  std::string buf = frame;
  net::ws::FrameParser parser(1'000'000);
  std::string scratch, s1, s2;
  for (auto _ : state) {
    std::memcpy(buf.data(), frame.data(), frame.size());
    benchmark::DoNotOptimize(relay_once(buf.data(), buf.size(), parser, scratch, s1, s2));
  }
}
BENCHMARK_CAPTURE(BM_RelayPath, candidate, micro::candidate_packet());
BENCHMARK_CAPTURE(BM_RelayPath, offer, micro::offer_packet());

// The pieces of the hot path that are specific to signaling.
void BM_RelayFields(benchmark::State& state) {
  const std::string packet = micro::candidate_packet();
  std::string scratch;
  auto event = realtime::socketio::split_event(std::string_view(packet).substr(1), scratch);
  const std::string args(event->args);
  const auto payload = signaling::first_argument(args);
  std::string s1, s2;
  for (auto _ : state) benchmark::DoNotOptimize(signaling::relay_fields(payload, "candidate", s1, s2));
}
BENCHMARK(BM_RelayFields);

void BM_FirstArgument(benchmark::State& state) {
  const std::string packet = micro::candidate_packet();
  std::string scratch;
  auto event = realtime::socketio::split_event(std::string_view(packet).substr(1), scratch);
  const std::string args(event->args);
  for (auto _ : state) benchmark::DoNotOptimize(signaling::first_argument(args));
}
BENCHMARK(BM_FirstArgument);

void BM_EncodeRelay(benchmark::State& state) {
  const std::string packet = micro::candidate_packet();
  std::string scratch;
  auto event = realtime::socketio::split_event(std::string_view(packet).substr(1), scratch);
  const std::string args(event->args);
  const auto payload = signaling::first_argument(args);
  for (auto _ : state)
    benchmark::DoNotOptimize(signaling::encode_relay("webrtc_ice_candidate", payload, "Xb3kQ9sV2mLp0aZrT7eN", "alice"));
}
BENCHMARK(BM_EncodeRelay);

}  // namespace
