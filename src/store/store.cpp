#include "store/store.hpp"

#include <algorithm>
#include <cstdio>
#include <exception>
#include <string>

#include <spdlog/spdlog.h>

namespace hearth::store {

namespace {
StoreLimits checked(StoreLimits limits) {
  limits.max_batch = std::max<std::size_t>(limits.max_batch, 1);
  return limits;
}
}  // namespace

Store::Store(std::unique_ptr<Repository> repo, StoreLimits limits) : limits_(checked(limits)) {
  limits_.lanes = 1;
  lanes_.push_back(std::make_unique<Lane>());
  lanes_.back()->repo = std::move(repo);
  start_lanes();
}

Store::Store(const std::function<std::unique_ptr<Repository>()>& open, StoreLimits limits) : limits_(checked(limits)) {
  for (std::size_t i = 0; i < limits_.lanes; ++i) {
    lanes_.push_back(std::make_unique<Lane>());
    lanes_.back()->repo = open();
  }
  start_lanes();
}

void Store::start_lanes() {
  // spdlog's registry is made on first use, inside its (uninstrumented) library: made here, before the lanes log at
  // once, so ThreadSanitizer sees it happen before them.
  spdlog::default_logger_raw();
  for (auto& lane : lanes_) lane->thread = std::thread([this, l = lane.get()] { run_loop(*l); });
}

Store::~Store() {
  for (auto& lane : lanes_) {
    {
      std::lock_guard lock(lane->mutex);
      lane->stopping = true;
    }
    lane->cv.notify_one();
  }
  for (auto& lane : lanes_) lane->thread.join();
}

std::size_t Store::pending() const { return pending_.load(std::memory_order_relaxed); }

std::size_t Store::lane_of(std::string_view key) const noexcept {
  return lanes_.size() == 1 ? 0 : std::hash<std::string_view>{}(key) % lanes_.size();
}

std::size_t Store::least_loaded() const {
  if (lanes_.size() == 1) return 0;
  // The shortest queue, looking from a rotating start so that ties spread over the lanes.
  const std::size_t start = next_.fetch_add(1, std::memory_order_relaxed);
  std::size_t best = start % lanes_.size();
  std::size_t best_size = static_cast<std::size_t>(-1);
  for (std::size_t i = 0; i < lanes_.size(); ++i) {
    const std::size_t lane = (start + i) % lanes_.size();
    std::size_t size = 0;
    {
      std::lock_guard lock(lanes_[lane]->mutex);
      size = lanes_[lane]->queue.size();
    }
    if (size < best_size) {
      best = lane;
      best_size = size;
    }
    if (size == 0) break;
  }
  return best;
}

Error Store::to_error(const StoreError& e) {
  std::string message = e.message();
  if (message.empty()) message = e.code() == errc::unavailable ? "store unavailable" : "store error";
  return make_error(e.code(), std::move(message), e.what());
}

void Store::finish(Job& job, const Error* failure) noexcept {
  // A throwing handler must not take the store thread (and every later request) down with it.
  try {
    job.finish(failure);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "hearth store: completion handler threw: %s\n", e.what());
  } catch (...) {
    std::fprintf(stderr, "hearth store: completion handler threw a non-standard exception\n");
  }
}

void Store::enqueue(std::size_t index, Job job) {
  Lane& lane = *lanes_[index];
  const char* refused = nullptr;
  {
    std::lock_guard lock(lane.mutex);
    if (lane.stopping) {
      refused = "store is shutting down";
    } else if (pending_.fetch_add(1, std::memory_order_relaxed) >= limits_.max_queue) {
      pending_.fetch_sub(1, std::memory_order_relaxed);
      refused = "store overloaded";
    } else {
      lane.queue.push_back(std::move(job));
    }
  }
  if (refused) {
    // Outside the lock: the handler may call execute() again.
    const Error error = make_error(errc::unavailable, refused);
    finish(job, &error);
    return;
  }
  lane.cv.notify_one();
}

void Store::run_loop(Lane& lane) {
  std::deque<Job> batch;
  for (;;) {
    {
      std::unique_lock lock(lane.mutex);
      lane.cv.wait(lock, [&lane] { return lane.stopping || !lane.queue.empty(); });
      if (lane.queue.empty()) return;  // stopping, and everything queued before has been run
      if (lane.queue.size() < limits_.max_batch && !lane.stopping) {
        // Group commit on a shared core: the enqueue that woke us may have preempted the I/O thread in the
        // middle of a burst of requests. Yielding once lets it queue the rest first, so they share this
        // batch's fsync instead of waiting for the next one (measured: a third of the context switches, about
        // 15 % less CPU per initiate; yielding again while the queue grows gained nothing). Costs one syscall
        // when no other thread is runnable on this core.
        lock.unlock();
        std::this_thread::yield();
        lock.lock();
      }
      const auto n = std::min(lane.queue.size(), limits_.max_batch);
      std::move(lane.queue.begin(), lane.queue.begin() + static_cast<std::ptrdiff_t>(n), std::back_inserter(batch));
      lane.queue.erase(lane.queue.begin(), lane.queue.begin() + static_cast<std::ptrdiff_t>(n));
      pending_.fetch_sub(n, std::memory_order_relaxed);
    }
    run_batch(lane, batch);
    batch.clear();
  }
}

namespace {
// A batch that met another transaction runs again with its rows read from the database (and locked): a second
// attempt meets a stale copy only if the repository kept one again in between, a deadlock only by bad luck twice.
constexpr int kConflictAttempts = 3;
}  // namespace

bool Store::try_batch(Repository& repo, std::deque<Job>& batch, bool real_savepoints) {
  repo.begin();
  if (batch.size() == 1) {
    // Alone in its transaction, an operation needs no savepoint (two round trips on PostgreSQL): if it fails,
    // rolling the transaction back undoes exactly its writes.
    if (!batch.front().run(repo)) {
      repo.check_reads();
      repo.rollback();
      finish(batch.front(), nullptr);  // its own error
      return false;
    }
  } else {
    for (auto& job : batch) {
      if (real_savepoints)
        repo.savepoint();
      else
        repo.optimistic_savepoint();
      if (job.run(repo))
        repo.release_savepoint();
      else
        repo.rollback_to_savepoint();
    }
  }
  const auto committing = std::chrono::steady_clock::now();
  repo.commit();
  if (metrics_) metrics_->observe(metrics::Histogram::commit, metrics::seconds_since(committing));
  return true;
}

void Store::run_batch(Lane& lane, std::deque<Job>& batch) {
  Repository& repo = *lane.repo;
  // Group commit: one transaction (one fsync) for the whole batch; each op under its own savepoint.
  // Ops never throw (execute<T> wraps them) but ConcurrentWrite, so another exception here comes from the transaction
  // itself and means none of the batch's writes can be trusted to be durable.
  std::optional<Error> failure;
  if (metrics_) metrics_->observe(metrics::Histogram::batch_size, static_cast<double>(batch.size()));
  bool real_savepoints = false;
  for (int attempt = 1;; ++attempt) {
    try {
      if (!try_batch(repo, batch, real_savepoints)) return;
    } catch (const RerunBatch& e) {
      // Not a conflict: the same batch with real savepoints cannot throw this again.
      spdlog::debug("store: a batch of {} operation(s) runs again with savepoints: {}", batch.size(), e.what());
      try {
        repo.rollback();
      } catch (...) {  // NOLINT(bugprone-empty-catch): the next attempt begins anew, or the batch fails below
      }
      if (!real_savepoints) {
        real_savepoints = true;
        --attempt;
        continue;
      }
      failure = make_error(errc::unavailable, "store unavailable", e.what());
    } catch (const ConcurrentWrite& e) {
      spdlog::debug("store: a batch of {} operation(s) met a concurrent write (attempt {}): {}", batch.size(), attempt,
                    e.what());
      try {
        repo.rollback();
      } catch (...) {  // NOLINT(bugprone-empty-catch): the next attempt begins anew, or the batch fails below
      }
      if (attempt < kConflictAttempts) continue;
      failure = make_error(errc::unavailable, "Too many changes at once, try again", e.what());
    } catch (const StoreError& e) {
      failure = make_error(errc::unavailable, e.message().empty() ? "store unavailable" : e.message(), e.what());
    } catch (const std::exception& e) {
      failure = make_error(errc::unavailable, "store unavailable", e.what());
    } catch (...) {
      failure = make_error(errc::unavailable, "store unavailable", "transaction failed");
    }
    break;
  }
  if (failure) {
    spdlog::warn("store: a batch of {} operation(s) failed and was rolled back: {}", batch.size(), failure->detail);
    try {
      repo.rollback();
    } catch (
        ...) {  // NOLINT(bugprone-empty-catch): nothing to undo if begin failed or the database already rolled back
    }
  }
  const Error* f = failure ? &*failure : nullptr;
  for (auto& job : batch) finish(job, f);
}

}  // namespace hearth::store
