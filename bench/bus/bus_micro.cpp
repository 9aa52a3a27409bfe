// hearth-bus-micro: messages through the Redis bus (cluster/redis_bus.hpp) between two buses in one process,
// over a redis-server it starts on loopback (Debian's /usr/bin/redis-server, as the tests do). Reports messages/s
// and how many messages one PUBLISH carried (msgs_per_publish). Figures go to BENCHMARKS.md, not here.
//   BM_BusTurns/K:        K sends in one turn of the event loop, then wait for all K to arrive (one frame in flight)
//   BM_BusFromOtherThread: a thread sends without pause (up to a window in flight), as busy rooms would
#include <benchmark/benchmark.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <stdexcept>
#include <thread>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include "cluster/redis_bus.hpp"
#include "redis_server.hpp"

namespace {

using namespace hearth::cluster;
namespace asio = boost::asio;

// Two started buses ("bench-a" sends to "bench-b") on one io_context thread, and their server.
class BusPair {
 public:
  BusPair() {
    a_.on_message([](std::string_view, std::string_view) {});
    b_.on_message([this](std::string_view, std::string_view) { received.fetch_add(1, std::memory_order_relaxed); });
    a_.start();
    b_.start();
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!(a_.up() && b_.up() && !a_.alive_nodes().empty())) {
      if (std::chrono::steady_clock::now() > deadline) throw std::runtime_error("the buses did not come up");
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
  ~BusPair() {
    a_.stop();
    b_.stop();
    guard_.reset();
    thread_.join();
  }

  RedisBus& a() { return a_; }
  asio::io_context& ioc() { return ioc_; }
  void wait_received(std::uint64_t n) const {
    while (received.load(std::memory_order_relaxed) < n) std::this_thread::yield();
  }

  std::atomic<std::uint64_t> received{0};

 private:
  test::RedisServer server_;
  asio::io_context ioc_;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> guard_{asio::make_work_guard(ioc_)};
  RedisBus a_{ioc_.get_executor(), "bench-a", server_.url()};
  RedisBus b_{ioc_.get_executor(), "bench-b", server_.url()};
  std::thread thread_{[this] { ioc_.run(); }};
};

BusPair& pair() {
  static BusPair p;
  return p;
}

// About the size of a relayed ICE candidate.
const std::string message(200, 'm');

void report(benchmark::State& state, const RedisBusStats& before, std::uint64_t messages) {
  const auto after = pair().a().stats();
  state.SetItemsProcessed(static_cast<std::int64_t>(messages));
  const auto frames = after.frames_sent - before.frames_sent;
  state.counters["msgs_per_publish"] =
      frames ? static_cast<double>(after.messages_sent - before.messages_sent) / static_cast<double>(frames) : 0;
  state.counters["dropped"] = static_cast<double>(after.messages_dropped - before.messages_dropped);
}

void BM_BusTurns(benchmark::State& state) {
  auto& p = pair();
  const auto k = static_cast<std::uint64_t>(state.range(0));
  const auto before = p.a().stats();
  std::uint64_t target = p.received.load();
  for (auto _ : state) {
    target += k;
    asio::post(p.ioc(), [&p, k] {
      for (std::uint64_t i = 0; i < k; ++i) p.a().send("bench-b", message);
    });
    p.wait_received(target);
  }
  report(state, before, state.iterations() * k);
}
BENCHMARK(BM_BusTurns)->Arg(1)->Arg(16)->Arg(256)->Arg(4096)->UseRealTime();

void BM_BusFromOtherThread(benchmark::State& state) {
  auto& p = pair();
  constexpr std::uint64_t batch = 1000, window = 16'000;  // window * 200 B stays under the 4 MiB queue cap
  const auto before = p.a().stats();
  std::uint64_t sent = p.received.load();
  const std::uint64_t first = sent;
  for (auto _ : state) {
    while (sent - p.received.load(std::memory_order_relaxed) > window) std::this_thread::yield();
    for (std::uint64_t i = 0; i < batch; ++i) sent += p.a().send("bench-b", message) ? 1 : 0;
  }
  p.wait_received(sent);
  report(state, before, sent - first);
}
BENCHMARK(BM_BusFromOtherThread)->UseRealTime();

}  // namespace
