#include "store/store.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <csignal>
#include <future>
#include <stdexcept>
#include <thread>
#include <vector>

#include "store/sqlite/sqlite_repository.hpp"
#include "unit/store/store_fixtures.hpp"

namespace hearth::store {
namespace {

using test::make_session;
using test::run;

// A SqliteRepository whose transaction calls can be made to fail.
class FlakyRepository final : public Repository {
 public:
  explicit FlakyRepository(const std::string& path) : inner_(path) { inner_.migrate(); }
  std::atomic<bool> fail_begin{false};
  std::atomic<bool> fail_commit{false};

  int migrate() override { return inner_.migrate(); }
  int schema_version() override { return inner_.schema_version(); }
  void begin() override {
    if (fail_begin) throw StoreError(errc::unavailable, "disk on fire");
    inner_.begin();
  }
  void commit() override {
    if (fail_commit) throw StoreError(errc::unavailable, "disk full");
    inner_.commit();
  }
  void rollback() override { inner_.rollback(); }
  void savepoint() override { inner_.savepoint(); }
  void release_savepoint() override { inner_.release_savepoint(); }
  void rollback_to_savepoint() override { inner_.rollback_to_savepoint(); }
  void optimistic_savepoint() override { inner_.optimistic_savepoint(); }
  void insert(const calls::CallSession& s) override { inner_.insert(s); }
  std::optional<calls::CallSession> find(std::string_view id, bool for_update) override {
    return inner_.find(id, for_update);
  }
  void update(const calls::CallSession& s) override { inner_.update(s); }
  HistoryPage history(const HistoryQuery& q) override { return inner_.history(q); }
  std::vector<std::string> due(TimePoint now, int limit) override { return inner_.due(now, limit); }
  void ping() override { inner_.ping(); }
  void save_quality(std::string_view id, const calls::QualitySummary& q) override { inner_.save_quality(id, q); }
  std::optional<calls::QualitySummary> load_quality(std::string_view id) override { return inner_.load_quality(id); }
  int record_ended(TimePoint ended_before, int limit) override { return inner_.record_ended(ended_before, limit); }
  void sample_concurrency(TimePoint now) override { inner_.sample_concurrency(now); }
  void add_usage_counts(const UsageCounts& counts) override { inner_.add_usage_counts(counts); }
  AnalyticsReport analytics(const AnalyticsQuery& q) override { return inner_.analytics(q); }

 private:
  SqliteRepository inner_;
};

std::function<Result<void>(Repository&)> insert_op(std::string id, std::string user = "alice") {
  return [id = std::move(id), user = std::move(user)](Repository& r) -> Result<void> {
    r.insert(make_session(id, user));
    return {};
  };
}

std::function<Result<bool>(Repository&)> exists_op(std::string id) {
  return [id = std::move(id)](Repository& r) -> Result<bool> { return r.find(id, false).has_value(); };
}

// Holds the store thread inside an operation until open(), so later operations queue up behind it.
class Gate {
 public:
  void block(Store& store) {
    store.execute<void>(
        [this](Repository&) -> Result<void> {
          entered_.set_value();
          opened_.wait();
          return {};
        },
        [](Result<void>) {});
    entered_.get_future().wait();
  }
  void open() { open_.set_value(); }

 private:
  std::promise<void> entered_;
  std::promise<void> open_;
  std::shared_future<void> opened_ = open_.get_future().share();
};

class StoreTest : public ::testing::Test {
 protected:
  std::unique_ptr<Store> make_store(StoreLimits limits = {}) {
    auto repo = std::make_unique<FlakyRepository>(dir_.file("store.db"));
    flaky_ = repo.get();
    return std::make_unique<Store>(std::move(repo), limits);
  }

  test::TempDir dir_;
  FlakyRepository* flaky_ = nullptr;  // owned by the store
};

TEST_F(StoreTest, ExecuteReturnsValues) {
  auto store = make_store();
  auto answer = run<int>(*store, [](Repository&) -> Result<int> { return 42; });
  ASSERT_TRUE(answer.ok());
  EXPECT_EQ(*answer, 42);
  EXPECT_TRUE(run<void>(*store, insert_op("s1")).ok());
  auto found = run<bool>(*store, exists_op("s1"));
  ASSERT_TRUE(found.ok());
  EXPECT_TRUE(*found);
}

TEST_F(StoreTest, FailingOpRollsBackOnlyItsOwnWrites) {
  auto store = make_store();
  Gate gate;
  gate.block(*store);  // everything below lands in one batch
  std::vector<std::future<Result<void>>> results;
  const auto submit = [&](std::function<Result<void>(Repository&)> op) {
    auto p = std::make_shared<std::promise<Result<void>>>();
    results.push_back(p->get_future());
    store->execute<void>(std::move(op), [p](Result<void> r) { p->set_value(std::move(r)); });
  };
  submit(insert_op("a"));
  submit([](Repository& r) -> Result<void> {
    r.insert(make_session("b", "alice"));
    return make_error(errc::forbidden, "not yours", "b");
  });
  submit([](Repository& r) -> Result<void> {
    r.insert(make_session("c", "alice"));
    throw std::runtime_error("bug");
  });
  submit(insert_op("a"));  // duplicate: StoreError(conflict)
  submit([](Repository& r) -> Result<void> {
    r.insert(make_session("d", "alice"));
    throw 7;  // not even a std::exception
  });
  submit(insert_op("e"));
  EXPECT_EQ(store->pending(), 6u);
  gate.open();

  EXPECT_TRUE(results[0].get().ok());
  EXPECT_EQ(results[1].get().error(), make_error(errc::forbidden, "not yours", "b"));
  EXPECT_EQ(results[2].get().error().code, errc::internal);
  EXPECT_EQ(results[3].get().error().code, errc::conflict);
  EXPECT_EQ(results[4].get().error().code, errc::internal);
  EXPECT_TRUE(results[5].get().ok());
  for (const auto& [id, present] : {std::pair{"a", true}, {"b", false}, {"c", false}, {"d", false}, {"e", true}})
    EXPECT_EQ(*run<bool>(*store, exists_op(id)), present) << id;
}

TEST_F(StoreTest, CommitFailureFailsTheWholeBatchThenRecovers) {
  auto store = make_store();
  flaky_->fail_commit = true;
  auto r = run<void>(*store, insert_op("lost"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, errc::unavailable);
  EXPECT_NE(r.error().detail.find("disk full"), std::string::npos);
  // An op that failed on its own keeps its own error.
  auto own = run<void>(*store, [](Repository&) -> Result<void> { return make_error(errc::gone, "ended"); });
  EXPECT_EQ(own.error().code, errc::gone);
  flaky_->fail_commit = false;
  EXPECT_FALSE(*run<bool>(*store, exists_op("lost")));

  flaky_->fail_begin = true;
  auto ran = std::make_shared<std::atomic<bool>>(false);
  auto b = run<void>(*store, [ran](Repository&) -> Result<void> {
    *ran = true;
    return {};
  });
  EXPECT_EQ(b.error().code, errc::unavailable);
  EXPECT_FALSE(*ran);
  flaky_->fail_begin = false;
  EXPECT_TRUE(run<void>(*store, insert_op("kept")).ok());
  EXPECT_TRUE(*run<bool>(*store, exists_op("kept")));
}

TEST_F(StoreTest, ConcurrentExecuteFromManyThreads) {
  constexpr int threads = 8;
  constexpr int per_thread = 200;
  auto store = make_store();
  std::atomic<int> ok{0};
  std::atomic<int> completed{0};
  std::promise<void> all_done;
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      for (int i = 0; i < per_thread; ++i) {
        const auto user = test::numbered("user", t);
        store->execute<void>(insert_op(test::numbered(user + "-", i), user), [&](Result<void> r) {
          if (r.ok()) ++ok;
          if (++completed == threads * per_thread) all_done.set_value();
        });
      }
    });
  }
  for (auto& w : workers) w.join();
  all_done.get_future().wait();
  EXPECT_EQ(ok, threads * per_thread);
  for (int t = 0; t < threads; ++t) {
    auto page = run<HistoryPage>(*store, [t](Repository& r) -> Result<HistoryPage> {
      return r.history({test::numbered("user", t), std::nullopt, 1, 1});
    });
    EXPECT_EQ(page->total, per_thread);
  }
}

TEST_F(StoreTest, FullQueueRefusesAtOnce) {
  auto store = make_store({.max_queue = 2, .max_batch = 256});
  Gate gate;
  gate.block(*store);
  std::vector<std::future<Result<void>>> queued;
  for (const char* id : {"q1", "q2"}) {
    auto p = std::make_shared<std::promise<Result<void>>>();
    queued.push_back(p->get_future());
    store->execute<void>(insert_op(id), [p](Result<void> r) { p->set_value(std::move(r)); });
  }
  EXPECT_EQ(store->pending(), 2u);
  std::optional<Result<void>> refused;
  const auto caller = std::this_thread::get_id();
  store->execute<void>(insert_op("q3"), [&](Result<void> r) {
    EXPECT_EQ(std::this_thread::get_id(), caller);
    refused.emplace(std::move(r));
  });
  ASSERT_TRUE(refused);  // completed synchronously
  EXPECT_EQ(refused->error().code, errc::unavailable);
  EXPECT_EQ(refused->error().message, "store overloaded");
  gate.open();
  for (auto& f : queued) EXPECT_TRUE(f.get().ok());
  EXPECT_FALSE(*run<bool>(*store, exists_op("q3")));
}

TEST_F(StoreTest, SmallBatchesStillRunEverything) {
  auto store = make_store({.max_queue = 100, .max_batch = 1});
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(run<void>(*store, insert_op(test::numbered("s", i))).ok());
  EXPECT_TRUE(*run<bool>(*store, exists_op("s4")));
}

TEST_F(StoreTest, ThrowingHandlerDoesNotStopTheStore) {
  auto store = make_store();
  std::promise<void> thrown;
  store->execute<void>(insert_op("t1"), [&](Result<void>) {
    thrown.set_value();
    throw std::runtime_error("handler bug");
  });
  thrown.get_future().wait();
  EXPECT_TRUE(*run<bool>(*store, exists_op("t1")));
}

TEST_F(StoreTest, DestructorDrainsTheQueue) {
  constexpr int count = 50;
  std::atomic<int> ok{0};
  std::optional<Result<void>> late;
  {
    auto store = make_store();
    Gate gate;
    gate.block(*store);
    for (int i = 0; i < count; ++i) {
      store->execute<void>(insert_op(test::numbered("d", i)), [&, i, s = store.get()](Result<void> r) {
        if (r.ok()) ++ok;
        // Work submitted while draining is either refused or (if it raced ahead of the shutdown) drained too.
        if (i == count - 1) s->execute<void>(insert_op("late"), [&](Result<void> l) { late.emplace(std::move(l)); });
      });
    }
    std::thread opener([&gate] {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      gate.open();
    });
    store.reset();  // blocks until the 50 queued ops ran
    opener.join();
  }
  EXPECT_EQ(ok, count);
  ASSERT_TRUE(late);
  EXPECT_TRUE(late->ok() || late->error().message == "store is shutting down");
  SqliteRepository reopened(dir_.file("store.db"));
  EXPECT_EQ(reopened.history({"alice", std::nullopt, 1, 1}).total, count);
}

// A success answer means durable: the process is killed (no close, no checkpoint) right after it.
// Default ("fast", fork) death-test style: the child must see the parent's temporary directory. gtest runs
// death tests before the others, so the parent has no threads of its own yet.
TEST(StoreDurabilityDeathTest, AnsweredWriteSurvivesKill9) {
  test::TempDir dir;
  const auto path = dir.file("kill.db");
  EXPECT_EXIT(
      {
        auto repo = std::make_unique<SqliteRepository>(path);
        repo->migrate();
        Store store(std::move(repo));
        if (run<void>(store, insert_op("survivor")).ok()) std::raise(SIGKILL);
        std::exit(1);
      },
      ::testing::KilledBySignal(SIGKILL), "");
  SqliteRepository reopened(path);
  EXPECT_TRUE(reopened.find("survivor", false));
}

}  // namespace
}  // namespace hearth::store
