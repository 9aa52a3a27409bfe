#include "net/shards.hpp"

#include <exception>
#include <thread>

#include <spdlog/spdlog.h>
#include <boost/asio/strand.hpp>

namespace hearth::net {
namespace asio = boost::asio;

namespace {
// Oldest first: the inbox and the outgoing batches keep their lists newest first (a push is one link).
detail::Task* reversed(detail::Task* t) noexcept {
  detail::Task* out = nullptr;
  while (t) {
    auto* next = t->next;
    t->next = out;
    out = t;
    t = next;
  }
  return out;
}

void delete_all(detail::Task* t) noexcept {
  while (t) {
    auto* next = t->next;
    delete t;
    t = next;
  }
}
}  // namespace

Shard::Shard(Shards& owner, unsigned index, unsigned count) : owner_(owner), index_(index), out_(count) {
  pending_.reserve(count);
}

Shard::~Shard() { discard(); }

void Shard::hand_off(Shard& to, detail::Task* task) {
  auto& out = out_[to.index_];
  if (!out.newest) {
    out.oldest = task;
    pending_.push_back(to.index_);
  }
  task->next = out.newest;
  out.newest = task;
  tasks_.fetch_add(1, std::memory_order_relaxed);
  if (std::exchange(flush_posted_, true)) return;
  // After the handlers this turn has queued already: they may hand off more.
  asio::post(ioc_, [this] { flush(); });
}

void Shard::flush() {
  flush_posted_ = false;
  for (const unsigned i : pending_) {
    auto& out = out_[i];
    batches_.fetch_add(1, std::memory_order_relaxed);  // first: the batch may have run by the time receive returns
    owner_.shards_[i]->receive(std::exchange(out.newest, nullptr), std::exchange(out.oldest, nullptr));
  }
  pending_.clear();
}

void Shard::receive(detail::Task* newest, detail::Task* oldest) {
  detail::Task* head = inbox_.load(std::memory_order_relaxed);
  do {
    oldest->next = head;
  } while (!inbox_.compare_exchange_weak(head, newest, std::memory_order_release, std::memory_order_relaxed));
  if (head != nullptr) return;  // a drain is on its way already
  if (Shard* from = Shards::current()) from->wakeups_.fetch_add(1, std::memory_order_relaxed);
  asio::post(ioc_, [this] { drain(); });
}

void Shard::drain() {
  detail::Task* t = reversed(inbox_.exchange(nullptr, std::memory_order_acquire));
  while (t) {
    std::unique_ptr<detail::Task> task(t);
    t = t->next;
    try {
      task->run();
    } catch (const std::exception& e) {
      // The rest of the batch still runs: each task is some object's message, unrelated to the one that threw.
      spdlog::error("unhandled exception in a task handed to shard {}: {}", index_, e.what());
    }
  }
}

void Shard::discard() {
  delete_all(inbox_.exchange(nullptr, std::memory_order_acquire));
  for (auto& out : out_) {
    delete_all(out.newest);
    out = {};
  }
  pending_.clear();
}

Shards::Shards(unsigned count) {
  if (count == 0) count = 1;
  shards_.reserve(count);
  for (unsigned i = 0; i < count; ++i) {
    shards_.push_back(std::make_unique<Shard>(*this, i, count));
    contexts_.push_back(&shards_.back()->ioc_);
    guards_.emplace_back(asio::make_work_guard(shards_.back()->ioc_));
  }
}

Shards::~Shards() {
  // Undelivered tasks hold objects (sessions, rooms) whose destructors may still use their io_context.
  for (auto& s : shards_) s->discard();
}

Shard* Shards::find(const asio::any_io_executor& ex) const noexcept {
  const auto* io = ex.target<asio::io_context::executor_type>();
  if (!io) return nullptr;
  const auto* ctx = &io->context();
  for (std::size_t i = 0; i < contexts_.size(); ++i)
    if (contexts_[i] == ctx) return shards_[i].get();
  return nullptr;
}

void Shards::run(unsigned i) {
  Shard& shard = *shards_[i];
  detail::tls_shard = &shard;
  for (;;) {
    try {
      shard.ioc_.run();
      break;
    } catch (const std::exception& e) {
      spdlog::error("unhandled exception in shard {}: {}", i, e.what());
    }
  }
  detail::tls_shard = nullptr;
}

void Shards::run_all() {
  std::vector<std::thread> threads;
  threads.reserve(shards_.size());
  for (unsigned i = 1; i < size(); ++i) threads.emplace_back([this, i] { run(i); });
  run(0);
  for (auto& t : threads) t.join();
}

void Shards::stop() {
  for (auto& g : guards_) g.reset();
  for (auto& s : shards_) s->ioc_.stop();
}

bool running_in_this_thread(const asio::any_io_executor& ex) noexcept {
  if (const auto* io = ex.target<asio::io_context::executor_type>()) return io->running_in_this_thread();
  if (const auto* strand = ex.target<asio::strand<asio::io_context::executor_type>>())
    return strand->running_in_this_thread();
  return false;
}

asio::any_io_executor this_shard_or(asio::io_context& fallback) {
  if (Shard* s = Shards::current()) return s->executor();
  return fallback.get_executor();
}

std::string shard_prefix(const asio::any_io_executor& ex) {
  const Shard* here = Shards::current();
  const Shard* s = here ? here->shards().find(ex) : nullptr;
  return s ? std::to_string(s->index()) + "-" : std::string();
}

}  // namespace hearth::net
