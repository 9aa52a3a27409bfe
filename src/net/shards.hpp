#pragma once
// The server's threading model: one shard per core the process may use (core/cpu_budget). A shard is an io_context
// run by exactly one thread; it owns the connections its own listener accepted (SO_REUSEPORT: the kernel spreads
// new connections over the shards), their Engine.IO sessions, their send batch (net/send_batcher) and the calls they
// started (signaling/room.hpp). No io_context is ever run by two threads, so there are no strands: an object's
// executor is its shard's, and a handler touches the objects of its shard directly.
//
// An object of another shard is reached through its executor with net::post / net::dispatch (below). From a shard's
// thread to another shard they do not use Asio's queue: the tasks for each destination shard are collected during
// the event-loop turn and handed over once, at its end (a flush posted by the turn's first hand-off, after whatever
// the turn had queued already), by pushing the whole batch onto the destination's inbox with one compare-and-swap
// (a lock-free list). The destination is woken (one Asio post) only if its inbox was empty; it then runs everything
// its inbox holds in one go. So a burst costs one wake-up per turn and destination, not one per message. From any
// other thread (the store's, a test's), and to executors no shard runs (a strand in a test), they are Asio's post.
//
// Order: the tasks one thread hands to one destination shard run in the order they were handed over, so the
// messages one sender relays through the same path never overtake each other (an ICE candidate its offer).
// docs/architecture.md, "Shards", has the path of a relay between two shards.
//
// Ownership: Shards owns the shards and their io_contexts; everything created on them must be destroyed first.
// Thread safety: Shards' accessors and net::post/dispatch from any thread; a Shard's outgoing batches on its thread,
// its inbox from any thread.
#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

namespace hearth::net {

class Shard;

namespace detail {
// One handed-over function: an intrusive list node, allocated once by the sender and freed by the receiver.
struct Task {
  Task* next = nullptr;
  virtual void run() = 0;
  virtual ~Task() = default;
};
template <class Fn>
struct FnTask final : Task {
  explicit FnTask(Fn&& f) : fn(std::move(f)) {}
  explicit FnTask(const Fn& f) : fn(f) {}
  void run() override { fn(); }
  Fn fn;
};
// The shard whose thread this is (set by Shards::run for as long as it runs); null on every other thread. What
// Seastar calls this_shard_id(): per thread, not per process.
inline thread_local Shard* tls_shard = nullptr;
}  // namespace detail

class Shards;

class Shard {
 public:
  Shard(Shards& owner, unsigned index, unsigned count);
  ~Shard();
  Shard(const Shard&) = delete;
  Shard& operator=(const Shard&) = delete;

  unsigned index() const noexcept { return index_; }
  boost::asio::io_context& context() noexcept { return ioc_; }
  boost::asio::io_context::executor_type executor() noexcept { return ioc_.get_executor(); }
  Shards& shards() const noexcept { return owner_; }

  // On this shard's thread: `task` (owned from now on) runs on `to` after this turn's earlier hand-offs to it.
  void hand_off(Shard& to, detail::Task* task);

  // Counters for tests and GET /metrics: batches pushed to other shards, and the wake-ups they cost.
  std::uint64_t batches_sent() const noexcept { return batches_.load(std::memory_order_relaxed); }
  std::uint64_t wakeups_sent() const noexcept { return wakeups_.load(std::memory_order_relaxed); }
  std::uint64_t tasks_sent() const noexcept { return tasks_.load(std::memory_order_relaxed); }

 private:
  friend class Shards;
  struct Outgoing {
    detail::Task* newest = nullptr;  // the batch, newest first (as the inbox keeps it)
    detail::Task* oldest = nullptr;
  };
  void flush();                                              // this thread, at the end of a turn
  void receive(detail::Task* newest, detail::Task* oldest);  // any thread
  void drain();                                              // this thread
  void discard();                                            // after the threads stopped: frees what never ran

  Shards& owner_;
  const unsigned index_;
  boost::asio::io_context ioc_{1};
  std::atomic<detail::Task*> inbox_{nullptr};  // newest first
  std::vector<Outgoing> out_;                  // by destination shard
  std::vector<unsigned> pending_;              // destinations with a batch this turn
  bool flush_posted_ = false;
  std::atomic<std::uint64_t> batches_{0}, wakeups_{0}, tasks_{0};
};

class Shards {
 public:
  friend class Shard;
  explicit Shards(unsigned count);  // at least 1
  ~Shards();
  Shards(const Shards&) = delete;
  Shards& operator=(const Shards&) = delete;

  unsigned size() const noexcept { return static_cast<unsigned>(shards_.size()); }
  Shard& operator[](unsigned i) noexcept { return *shards_[i]; }
  const Shard& operator[](unsigned i) const noexcept { return *shards_[i]; }
  // The shard whose io_context runs `ex` (one of ours, not a strand), or null.
  Shard* find(const boost::asio::any_io_executor& ex) const noexcept;

  // Runs shard `i` on the calling thread until stop(); an exception escaping a handler is logged and the loop goes
  // on. run_all: shards 1.. on threads of their own, shard 0 on the calling thread; returns once all have stopped.
  void run(unsigned i);
  void run_all();
  void stop();  // any thread: every shard's loop returns as soon as its current handler does

  // The shard whose thread calls, or null.
  static Shard* current() noexcept { return detail::tls_shard; }

 private:
  std::vector<std::unique_ptr<Shard>> shards_;
  std::vector<const boost::asio::io_context*> contexts_;  // shards_[i]'s, for find()
  // Keeps every loop running while it has nothing to do (a shard may hold no connection for a while).
  std::vector<std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>>> guards_;
};

// True if the calling thread may run `ex`'s handlers now, in order with what `ex` already ran: inside a handler of
// its io_context (or of that very strand, in tests). Hot paths then act inline instead of building a handler.
bool running_in_this_thread(const boost::asio::any_io_executor& ex) noexcept;

// The calling shard's executor, or `fallback`'s when the caller is no shard (tests, start-up): where an object made
// now (an Engine.IO session, a call's room) should live.
boost::asio::any_io_executor this_shard_or(boost::asio::io_context& fallback);

// What ids made on the shard that runs `ex` start with (Engine.IO sids, Socket.IO socket ids): its index and a dash
// ("1-"), after the node's prefix in a cluster ("n2.1-…"). Empty when no shard runs `ex`. Read by people and tests;
// the server finds a socket's shard from its executor.
std::string shard_prefix(const boost::asio::any_io_executor& ex);

// Runs `fn` on `ex` later: from another shard through the batched hand-off, otherwise Asio's post.
template <class Fn>
void post(const boost::asio::any_io_executor& ex, Fn&& fn) {
  if (Shard* from = Shards::current()) {
    if (Shard* to = from->shards().find(ex); to != nullptr && to != from) {
      from->hand_off(*to, new detail::FnTask<std::decay_t<Fn>>(std::forward<Fn>(fn)));
      return;
    }
  }
  boost::asio::post(ex, std::forward<Fn>(fn));
}

// Runs `fn` now if the caller may (running_in_this_thread), else as post() does.
template <class Fn>
void dispatch(const boost::asio::any_io_executor& ex, Fn&& fn) {
  if (running_in_this_thread(ex)) {
    fn();
    return;
  }
  post(ex, std::forward<Fn>(fn));
}

}  // namespace hearth::net
