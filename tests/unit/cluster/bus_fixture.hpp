#pragma once
// Shared by the Redis bus tests: a real redis-server, an io_context run by two threads, buses with short
// intervals (so liveness tests take seconds), and a thread-safe inbox to wait on.
// Thread safety: the fixture is the test thread's; Inbox and the wait helpers may be used from any thread.
#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <gtest/gtest.h>
#include <spdlog/spdlog.h>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include "cluster/redis_bus.hpp"
#include "redis_server.hpp"

namespace hearth::cluster::test {

using namespace std::chrono_literals;

// Polls `cond` until it holds or `timeout` passes.
inline bool eventually(const std::function<bool()>& cond, std::chrono::milliseconds timeout = 5000ms) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!cond()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(10ms);
  }
  return true;
}

// What a bus handed to its handlers.
class Inbox {
 public:
  void attach(Bus& bus) {
    bus.on_message([this](std::string_view from, std::string_view message) {
      std::lock_guard lock(mu_);
      messages_.emplace_back(std::string(from), std::string(message));
      cv_.notify_all();
    });
    bus.on_state([this](bool up) {
      std::lock_guard lock(mu_);
      states_.push_back(up);
      cv_.notify_all();
    });
  }
  bool wait_messages(std::size_t n, std::chrono::milliseconds timeout = 5000ms) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, timeout, [&] { return messages_.size() >= n; });
  }
  // Waits for a state report equal to `up` after the first `after` reports.
  bool wait_state(bool up, std::size_t after, std::chrono::milliseconds timeout = 5000ms) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, timeout, [&] {
      return std::find(states_.begin() + static_cast<std::ptrdiff_t>(std::min(after, states_.size())), states_.end(),
                       up) != states_.end();
    });
  }
  std::vector<std::pair<std::string, std::string>> messages() const {
    std::lock_guard lock(mu_);
    return messages_;
  }
  std::size_t state_count() const {
    std::lock_guard lock(mu_);
    return states_.size();
  }

 private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::pair<std::string, std::string>> messages_;
  std::vector<bool> states_;
};

class RedisBusTest : public ::testing::Test {
 protected:
  // Two by default, so the buses' strands and send() from other threads are exercised.
  virtual int io_threads() const { return 2; }

  void SetUp() override {
    try {
      server_.emplace();
    } catch (const std::exception& e) {
      FAIL() << e.what();
    }
    // spdlog's registry is a function-local static inside libspdlog.so, which TSan does not instrument: created
    // here, before the threads, its first use from two of them is not reported as a race.
    (void)spdlog::default_logger_raw();
    for (int i = 0; i < io_threads(); ++i) threads_.emplace_back([this] { ioc_.run(); });
  }

  void TearDown() override {
    for (auto& b : buses_) b->stop();
    buses_.clear();
    guard_.reset();
    // Everything a stopped bus started ends by itself: the threads run out of work.
    auto drained = std::async(std::launch::async, [this] {
      for (auto& t : threads_) t.join();
    });
    if (drained.wait_for(5s) != std::future_status::ready) {
      ADD_FAILURE() << "the io_context still had work 5 s after every bus stopped";
      ioc_.stop();
      drained.wait();
    }
  }

  static RedisBusOptions fast_options() {
    RedisBusOptions o;
    o.heartbeat_interval = 200ms;
    o.node_ttl = 2000ms;
    o.connection.connect_timeout = 1000ms;
    o.connection.command_timeout = 1000ms;
    o.connection.keepalive = 300ms;
    o.connection.backoff_max = 500ms;
    return o;
  }

  // A started bus with an inbox; owned by the fixture (stopped in TearDown).
  RedisBus& add_bus(const std::string& id, RedisBusOptions options = fast_options()) {
    buses_.push_back(std::make_unique<RedisBus>(ioc_.get_executor(), id, server_->url(), options));
    inboxes_.push_back(std::make_unique<Inbox>());
    inboxes_.back()->attach(*buses_.back());
    buses_.back()->start();
    return *buses_.back();
  }
  Inbox& inbox(std::size_t i) { return *inboxes_.at(i); }

  // Every bus up and seeing all the others.
  bool all_see_each_other(std::chrono::milliseconds timeout = 5000ms) {
    return eventually(
        [&] {
          for (auto& b : buses_)
            if (!b->up() || b->alive_nodes().size() + 1 != buses_.size()) return false;
          return true;
        },
        timeout);
  }

  static bool sees(const Bus& bus, const std::string& node) {
    const auto alive = bus.alive_nodes();
    return std::find(alive.begin(), alive.end(), node) != alive.end();
  }

  std::optional<RedisServer> server_;
  boost::asio::io_context ioc_;
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> guard_{
      boost::asio::make_work_guard(ioc_)};
  std::vector<std::thread> threads_;
  std::vector<std::unique_ptr<RedisBus>> buses_;
  std::vector<std::unique_ptr<Inbox>> inboxes_;
};

// One thread runs the io_context: "one turn of the event loop" is then exact (a second thread could flush while the
// first is still queueing).
class RedisBusOneThreadTest : public RedisBusTest {
 protected:
  int io_threads() const override { return 1; }
};

}  // namespace hearth::cluster::test
