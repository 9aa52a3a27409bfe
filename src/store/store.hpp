#pragma once
// Store: the asynchronous front of a Repository. Operations are queued to a dedicated thread (a lane), which runs
// them in batches inside one transaction (group commit: one fsync for many requests), each operation under
// its own savepoint so a failing one rolls back alone (a batch of one needs none: a failure rolls the transaction
// back). The savepoints are optimistic (Repository::optimistic_savepoint): if a failed operation had written rows
// that only a real savepoint could undo, the batch runs again with real ones. A batch that met another connection's
// transaction (ConcurrentWrite: a row read from memory had changed, a deadlock) runs again, up to kConflictAttempts
// times. So an operation may run more than once: it must act on the repository alone (no effect elsewhere before its
// completion handler, which runs once). Completion handlers run on the lane's thread after the batch committed (so a
// success means durable); callers post back to their own executor. A refused operation (queue full, shutting down)
// completes at once, on the calling thread. Lanes: SQLite has one writer, so one lane. A database with a connection
// pool (PostgreSQL) gets `lanes` of them, each with its own thread and its own Repository (connection). Operations
// given a key (a session id) always run on the key's lane, so the operations of one session keep their submission
// order; operations without a key go to the least-loaded lane. Thread safety: execute(), pending() and committed() may
// be called from any thread, including from a completion handler; the Store must not be destroyed from one of its own
// handlers (the destructor joins the thread).
#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string_view>
#include <thread>
#include <vector>

#include "core/result.hpp"
#include "metrics/metrics.hpp"
#include "store/repository.hpp"

namespace hearth::store {

struct StoreLimits {
  std::size_t max_queue = 10'000;  // pending operations (all lanes) before new ones are refused with errc::unavailable
  std::size_t max_batch = 256;     // operations per transaction (at least 1)
  std::size_t lanes = 1;           // threads and repositories (connections); at least 1
};

class Store {
 public:
  // One lane on `repo` (limits.lanes is ignored).
  Store(std::unique_ptr<Repository> repo, StoreLimits limits = {});
  // limits.lanes lanes, each on a repository `open` returns (called here, on this thread; its exceptions propagate).
  Store(const std::function<std::unique_ptr<Repository>()>& open, StoreLimits limits);
  ~Store();  // drains the queues, then joins the threads
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  // Runs `op` on the store thread inside a transaction. A Result error from `op` rolls back its savepoint
  // and is passed to `done` as is; a thrown StoreError becomes its code (unavailable by default) and message
  // ("Storage full"...), any other exception errc::internal. If the transaction fails, every operation of the batch
  // completes with unavailable (and the StoreError's message, if it has one), and the failure is logged.
  // When `max_queue` operations are pending, or the store is shutting down, `done` gets unavailable at once.
  // `done` should not throw; if it does, the exception is reported on stderr and swallowed.
  template <class T>
  void execute(std::function<Result<T>(Repository&)> op, std::function<void(Result<T>)> done) {
    enqueue(least_loaded(), make_job<T>(std::move(op), std::move(done)));
  }
  // The same, on the lane of `key` (a session id): the operations of one key run in the order they were submitted.
  template <class T>
  void execute(std::string_view key, std::function<Result<T>(Repository&)> op, std::function<void(Result<T>)> done) {
    enqueue(lane_of(key), make_job<T>(std::move(op), std::move(done)));
  }

  // Operations queued and not yet taken into a batch.
  std::size_t pending() const;
  std::size_t max_queue() const noexcept { return limits_.max_queue; }
  // Where batch sizes and commit times are observed (GET /metrics); not owned; set before the first operation.
  void set_metrics(metrics::Metrics* metrics) { metrics_ = metrics; }

  // A live session's last committed state when the repository has it at hand (Repository::committed), for
  // read-only requests that can then skip the store thread; nullopt otherwise (ask with execute()). Any thread.
  std::optional<calls::CallSession> committed(std::string_view session_id) const {
    return lanes_[lane_of(session_id)]->repo->committed(session_id);
  }
  std::size_t lanes() const noexcept { return lanes_.size(); }

 private:
  struct Job {
    std::function<bool(Repository&)> run;  // returns true if the op succeeded (keep its writes)
    // Delivers the result. `failure` is null when the batch committed; otherwise why the job's writes
    // (if it ran at all) are gone: commit failed, queue full, shutting down.
    std::function<void(const Error* failure)> finish;
  };
  // One thread, its repository and its queue.
  struct Lane {
    std::unique_ptr<Repository> repo;
    std::mutex mutex;
    std::condition_variable cv;
    std::deque<Job> queue;
    bool stopping = false;
    std::thread thread;  // started once the lane is complete
  };
  template <class T>
  static Job make_job(std::function<Result<T>(Repository&)> op, std::function<void(Result<T>)> done);
  static Error to_error(const StoreError& e);
  std::size_t lane_of(std::string_view key) const noexcept;
  std::size_t least_loaded() const;
  void start_lanes();
  void enqueue(std::size_t lane, Job job);
  void run_loop(Lane& lane);
  void run_batch(Lane& lane, std::deque<Job>& batch);
  // One attempt: true if the batch committed, false if its lone operation failed (and was finished). Operations run
  // under optimistic savepoints unless `real_savepoints` (a rerun after RerunBatch).
  bool try_batch(Repository& repo, std::deque<Job>& batch, bool real_savepoints);
  static void finish(Job& job, const Error* failure) noexcept;

  StoreLimits limits_;
  metrics::Metrics* metrics_ = nullptr;  // owned by the app
  std::vector<std::unique_ptr<Lane>> lanes_;
  std::atomic<std::size_t> pending_{0};       // queued in every lane, not yet taken into a batch
  mutable std::atomic<std::size_t> next_{0};  // where least_loaded() starts looking, so ties spread
};

template <class T>
Store::Job Store::make_job(std::function<Result<T>(Repository&)> op, std::function<void(Result<T>)> done) {
  // Shared by run (store thread) and finish (store thread, or the caller's if refused): never concurrently.
  struct State {
    std::optional<Result<T>> result;
  };
  auto state = std::make_shared<State>();
  Job job;
  job.run = [state, op = std::move(op)](Repository& repo) -> bool {
    try {
      state->result.emplace(op(repo));
    } catch (const ConcurrentWrite&) {
      throw;  // the whole batch runs again (run_batch)
    } catch (const StoreError& e) {
      state->result.emplace(to_error(e));
    } catch (const std::exception& e) {
      state->result.emplace(make_error(errc::internal, "internal error", e.what()));
    } catch (...) {
      state->result.emplace(make_error(errc::internal, "internal error", "unknown exception"));
    }
    return state->result->ok();
  };
  job.finish = [state, done = std::move(done)](const Error* failure) {
    if (!done) return;
    if (state->result && !state->result->ok())
      done(std::move(*state->result));  // the op's own error; its savepoint was rolled back either way
    else if (failure)
      done(*failure);
    else if (state->result)
      done(std::move(*state->result));
    else
      done(make_error(errc::internal, "internal error", "store operation did not run"));
  };
  return job;
}

}  // namespace hearth::store
