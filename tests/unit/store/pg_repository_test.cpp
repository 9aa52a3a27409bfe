// What only the PostgreSQL repository has to get right: several connections (as several nodes) on one database at
// once, and PostgreSQL going away and coming back. Each test runs real threads on real connections; the behaviour
// both backends share is repository_test.cpp's.
#include "store/postgres/pg_repository.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <latch>
#include <set>
#include <thread>

#include "calls/policy.hpp"
#include "store/migrations/migrations.hpp"
#include "store/store.hpp"
#include "unit/store/backends.hpp"
#include "unit/store/pg_server.hpp"
#include "unit/store/store_fixtures.hpp"

namespace hearth::store {
namespace {

using test::at;
using test::make_session;

class PgRepositoryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    try {
      db_ = std::make_unique<test::TestDatabase>(test::Backend::postgres);
      db_->open();  // migrated
    } catch (const std::exception& e) {
      GTEST_FAIL() << "cannot set PostgreSQL up: " << e.what();
    }
  }
  std::unique_ptr<test::TestDatabase> db_;
};

// Runs `body(i)` on `n` threads released at once.
template <class F>
void race(int n, F&& body) {
  std::latch start(n);
  std::vector<std::thread> threads;
  for (int i = 0; i < n; ++i)
    threads.emplace_back([&, i] {
      start.arrive_and_wait();
      body(i);
    });
  for (auto& t : threads) t.join();
}

TEST_F(PgRepositoryTest, TwentyJoinsOnTwentyConnectionsAdmitExactlyEight) {
  std::vector<std::string> users;
  for (int i = 1; i < 20; ++i) users.push_back(test::numbered("u", i));
  auto call = make_session("full", "u0", users);  // 20 members, 8 seats
  call.session_type = calls::SessionType::group;
  ASSERT_EQ(call.max_participants, 8);
  db_->open()->insert(call);

  std::vector<std::unique_ptr<Repository>> nodes;
  for (int i = 0; i < 20; ++i) nodes.push_back(db_->open({}, false));
  std::atomic<int> admitted{0}, full{0}, failed{0};
  race(20, [&](int i) {
    auto& repo = *nodes[static_cast<std::size_t>(i)];
    try {
      // As the signaling service joins: the row locked, the policy applied, the session written, committed.
      repo.begin();
      auto s = repo.find("full", true);
      const std::string user = test::numbered("u", i);
      const auto ok =
          calls::activate(*s, {user, user}, "sock-" + user, "peer-" + user, at(1'700'000'001'000), calls::Limits{});
      if (ok) {
        repo.update(*s);
        ++admitted;
      } else {
        EXPECT_EQ(ok.error().code, errc::session_full);
        ++full;
      }
      repo.commit();
    } catch (const std::exception& e) {
      ++failed;
      ADD_FAILURE() << e.what();
    }
  });
  EXPECT_EQ(admitted.load(), 8);
  EXPECT_EQ(full.load(), 12);
  EXPECT_EQ(failed.load(), 0);
  EXPECT_EQ(db_->open({}, false)->find("full", false)->active_count(), 8);
}

// Compare-and-set (pg_repository.hpp): a session this connection wrote last is taken from memory, and written back
// only if nobody wrote it since; if somebody did, the transaction fails with ConcurrentWrite and nothing of it commits.
TEST_F(PgRepositoryTest, ASessionKeptInMemoryIsWrittenBackOnlyIfUnchanged) {
  auto a = db_->open({}, false);
  auto b = db_->open({}, false);
  a->begin();
  a->insert(make_session("s1", "ann", {"bob"}));
  a->commit();  // a keeps s1 in memory
  b->begin();
  auto fresh = *b->find("s1", true);
  fresh.metadata.tags.push_back("by-b");
  b->update(fresh);
  b->commit();

  a->begin();
  auto stale = *a->find("s1", true);  // from memory: b's write is not in it
  EXPECT_TRUE(stale.metadata.tags.empty());
  stale.metadata.tags.push_back("by-a");
  a->update(stale);
  EXPECT_THROW(a->commit(), ConcurrentWrite);
  a->rollback();
  EXPECT_EQ(b->find("s1", false)->metadata.tags, (std::vector<std::string>{"by-b"}));  // nothing of a's committed

  a->begin();
  auto again = *a->find("s1", true);  // from the database now
  EXPECT_EQ(again.metadata.tags, (std::vector<std::string>{"by-b"}));
  again.metadata.tags.push_back("by-a");
  a->update(again);
  a->commit();
  EXPECT_EQ(b->find("s1", false)->metadata.tags, (std::vector<std::string>{"by-b", "by-a"}));
}

// The lanes of one node share what they wrote (one WrittenSessions): what one committed, another takes from memory,
// and a read-only request is answered from it (committed()) until the call ends.
TEST_F(PgRepositoryTest, TheLanesOfANodeShareWhatTheyWrote) {
  const PgOptions node;
  PgRepository a(db_->url(), {}, node);
  PgRepository b(db_->url(), {}, node);
  EXPECT_FALSE(b.committed("s1"));
  a.begin();
  a.insert(make_session("s1", "ann", {"bob"}));
  EXPECT_FALSE(b.committed("s1"));  // not before it commits
  a.commit();
  ASSERT_TRUE(b.committed("s1"));
  b.begin();
  auto s = *b.find("s1", true);
  s.metadata.tags.push_back("by-b");
  b.update(s);
  b.commit();
  EXPECT_EQ(a.committed("s1")->metadata.tags, (std::vector<std::string>{"by-b"}));
  a.begin();
  s = *a.find("s1", true);
  s.status = calls::Status::ended;
  s.end_reason = calls::EndReason::ended_by_user;
  s.end_time = at(1'700'000'009'000);
  a.update(s);
  a.commit();
  EXPECT_FALSE(b.committed("s1"));  // ended: asked from the database
  EXPECT_EQ(b.find("s1", false)->status, calls::Status::ended);
}

// A node of several keeps nothing in memory (PgOptions): every find for update reads the row, fresh and locked.
TEST_F(PgRepositoryTest, ANodeOfSeveralReadsEverySessionFromTheDatabase) {
  PgRepository a(db_->url(), {}, PgOptions{.written = nullptr});
  auto b = db_->open({}, false);
  a.begin();
  a.insert(make_session("s1", "ann", {"bob"}));
  a.commit();
  b->begin();
  auto s = *b->find("s1", true);
  s.metadata.tags.push_back("by-b");
  b->update(s);
  b->commit();
  a.begin();
  auto fresh = *a.find("s1", true);
  EXPECT_EQ(fresh.metadata.tags, (std::vector<std::string>{"by-b"}));
  fresh.metadata.tags.push_back("by-a");
  a.update(fresh);
  EXPECT_NO_THROW(a.commit());
  EXPECT_EQ(b->find("s1", false)->metadata.tags, (std::vector<std::string>{"by-b", "by-a"}));
}

// Through the Store, a stale copy costs a second attempt, never a wrong answer: a write is redone on the fresh row,
// and a refusal that rested on the stale copy (check_reads) is reconsidered.
TEST_F(PgRepositoryTest, AStoreRunsAgainWhatReadAStaleCopy) {
  Store a(db_->open({}, false));
  auto b = db_->open({}, false);
  ASSERT_TRUE(test::run<bool>(a, [](Repository& repo) -> Result<bool> {
                repo.insert(make_session("s1", "ann", {"bob"}));
                return true;
              }).ok());
  b->begin();
  auto s = *b->find("s1", true);
  s.metadata.tags.push_back("by-b");
  b->update(s);
  b->commit();

  // A refusal from a's stale copy (no tag yet) is checked and run again on the fresh row.
  const auto refused = test::run<bool>(a, [](Repository& repo) -> Result<bool> {
    const auto row = repo.find("s1", true);
    if (row->metadata.tags.empty()) return make_error(errc::conflict, "no tag");
    return true;
  });
  EXPECT_TRUE(refused.ok()) << refused.error().message;

  b->begin();
  s = *b->find("s1", true);
  s.metadata.tags.push_back("by-b-again");
  b->update(s);
  b->commit();
  const auto written = test::run<bool>(a, [](Repository& repo) -> Result<bool> {
    auto row = *repo.find("s1", true);
    row.metadata.tags.push_back("by-a");
    repo.update(row);
    return true;
  });
  ASSERT_TRUE(written.ok()) << written.error().message;
  EXPECT_EQ(b->find("s1", false)->metadata.tags, (std::vector<std::string>{"by-b", "by-b-again", "by-a"}));
}

// The race of 20 joins again, through 20 stores whose repositories all hold a copy of the call from their own
// write before — all but one of them stale.
TEST_F(PgRepositoryTest, TwentyStoresWithCopiesInMemoryStillAdmitExactlyEight) {
  std::vector<std::string> users;
  for (int i = 1; i < 20; ++i) users.push_back(test::numbered("u", i));
  auto call = make_session("full", "u0", users);
  call.session_type = calls::SessionType::group;
  db_->open()->insert(call);
  std::vector<std::unique_ptr<Store>> nodes;
  for (int i = 0; i < 20; ++i) {
    nodes.push_back(std::make_unique<Store>(db_->open({}, false)));
    ASSERT_TRUE(test::run<bool>(*nodes.back(), [i](Repository& repo) -> Result<bool> {
                  auto s = *repo.find("full", true);
                  s.metadata.tags.push_back(std::to_string(i));  // a write: the repository keeps the session
                  repo.update(s);
                  return true;
                }).ok());
  }
  std::atomic<int> admitted{0}, full{0}, failed{0}, done{0};
  for (int i = 0; i < 20; ++i) {
    const std::string user = test::numbered("u", i);
    nodes[static_cast<std::size_t>(i)]->execute<bool>(
        "full",
        [user](Repository& repo) -> Result<bool> {
          auto s = repo.find("full", true);
          const auto ok =
              calls::activate(*s, {user, user}, "sock-" + user, "peer-" + user, at(1'700'000'001'000), calls::Limits{});
          if (!ok) return ok.error();
          repo.update(*s);
          return true;
        },
        [&](Result<bool> r) {
          if (r)
            ++admitted;
          else if (r.error().code == errc::session_full)
            ++full;
          else
            ++failed;
          ++done;
        });
  }
  while (done.load() < 20) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  EXPECT_EQ(admitted.load(), 8);
  EXPECT_EQ(full.load(), 12);
  EXPECT_EQ(failed.load(), 0);
  EXPECT_EQ(db_->open({}, false)->find("full", false)->active_count(), 8);
}

// What PostgreSQL aborts to break a deadlock or a serialization conflict is worth running again, like a stale copy;
// a division by zero anywhere else is an error like any other.
TEST_F(PgRepositoryTest, DeadlocksAndSerializationFailuresAreConcurrentWrites) {
  PgConnection db(db_->url());
  for (const std::string state : {"40P01", "40001"})
    EXPECT_THROW(db.exec("DO $$ BEGIN RAISE EXCEPTION 'x' USING ERRCODE = '" + state + "'; END $$"), ConcurrentWrite)
        << state;
  try {
    db.exec("SELECT 1 / 0");
    ADD_FAILURE() << "no error";
  } catch (const ConcurrentWrite&) {
    ADD_FAILURE() << "a division by zero is not a concurrent write";
  } catch (const StoreError& e) {
    EXPECT_EQ(e.code(), errc::unavailable);
  }
}

TEST_F(PgRepositoryTest, TwoSweepsAtOnceEndEachDueCallOnce) {
  const auto writer = db_->open({}, false);
  writer->begin();
  for (int i = 0; i < 60; ++i) {
    auto s = make_session(test::numbered("due", i), "ann", {"bob"}, 1'000 + i);
    s.deadline = at(2'000 + i);
    writer->insert(s);
  }
  writer->commit();
  std::vector<std::unique_ptr<Repository>> nodes;
  for (int i = 0; i < 2; ++i) nodes.push_back(db_->open({}, false));
  std::vector<std::vector<std::string>> ended(2);
  const auto now = at(1'000'000);
  race(2, [&](int n) {
    auto& repo = *nodes[static_cast<std::size_t>(n)];
    for (;;) {  // as app/sweeper.cpp sweeps, in small batches so both nodes take turns
      repo.begin();
      const auto ids = repo.due(now, 7);
      for (const auto& id : ids) {
        auto s = repo.find(id, true);
        if (!s || !calls::expire(*s, now, calls::Limits{})) continue;
        repo.update(*s);
        if (s->status == calls::Status::ended) ended[static_cast<std::size_t>(n)].push_back(id);
      }
      repo.commit();
      if (ids.empty()) return;
    }
  });
  std::multiset<std::string> all(ended[0].begin(), ended[0].end());
  all.insert(ended[1].begin(), ended[1].end());
  EXPECT_EQ(all.size(), 60u);
  EXPECT_EQ(std::set<std::string>(all.begin(), all.end()).size(), 60u) << "a call was ended twice";
  EXPECT_EQ(db_->raw("SELECT COUNT(*) FROM call_sessions WHERE status = 'ended'"), "60");
}

TEST_F(PgRepositoryTest, TwoRecordersRecordEachEndedCallOnce) {
  const auto repo = db_->open({}, false);
  repo->begin();
  for (int i = 0; i < 40; ++i) {
    auto s = make_session(test::numbered("e", i), "ann", {"bob"}, 1'000 + i);
    s.status = calls::Status::ended;
    s.end_reason = calls::EndReason::missed;
    s.end_time = at(5'000);
    repo->insert(s);
  }
  repo->commit();
  std::vector<std::unique_ptr<Repository>> nodes;
  for (int i = 0; i < 2; ++i) nodes.push_back(db_->open({}, false));
  std::atomic<int> recorded{0};
  race(2, [&](int n) {
    while (const int k = nodes[static_cast<std::size_t>(n)]->record_ended(at(10'000), 3)) recorded += k;
  });
  EXPECT_EQ(recorded.load(), 40);
  EXPECT_EQ(db_->raw("SELECT COUNT(*) FROM call_facts"), "40");
  EXPECT_EQ(db_->raw("SELECT SUM(calls) FROM call_hourly"), "40");
}

TEST_F(PgRepositoryTest, TwoDispatchersNeverClaimTheSameDelivery) {
  const OutboxOptions outbox{{"http://127.0.0.1:1/hook"}, nullptr, std::chrono::milliseconds(60'000)};
  const auto writer = db_->open(outbox, false);
  writer->begin();
  for (int i = 0; i < 50; ++i) writer->insert(make_session(test::numbered("c", i), "ann", {"bob"}));
  writer->commit();
  std::vector<std::unique_ptr<Repository>> nodes;
  for (int i = 0; i < 2; ++i) nodes.push_back(db_->open(outbox, false));
  std::vector<std::vector<std::int64_t>> claimed(2);
  const auto now = at(4'000'000'000'000);
  race(2, [&](int n) {
    auto& repo = *nodes[static_cast<std::size_t>(n)];
    for (;;) {
      repo.begin();
      const auto due = repo.due_deliveries(now, 4);
      repo.commit();
      if (due.due.empty()) return;
      for (const auto& d : due.due) claimed[static_cast<std::size_t>(n)].push_back(d.id);
    }
  });
  std::multiset<std::int64_t> all(claimed[0].begin(), claimed[0].end());
  all.insert(claimed[1].begin(), claimed[1].end());
  EXPECT_EQ(all.size(), 50u);
  EXPECT_EQ(std::set<std::int64_t>(all.begin(), all.end()).size(), 50u) << "a delivery was claimed twice";
}

TEST_F(PgRepositoryTest, AClaimIsALeaseThatRunsOut) {
  const OutboxOptions outbox{{"http://127.0.0.1:1/hook"}, nullptr, std::chrono::milliseconds(30'000)};
  const auto a = db_->open(outbox, false);
  const auto b = db_->open(outbox, false);
  a->insert(make_session("c1", "ann", {"bob"}));
  const auto now = at(1'800'000'000'000);
  const auto first = a->due_deliveries(now, 10);
  ASSERT_EQ(first.due.size(), 1u);
  EXPECT_EQ(first.pending, 1);
  // Claimed by a: not due for b while the lease runs, and it says when it will be.
  auto other = b->due_deliveries(now + Millis(29'999), 10);
  EXPECT_TRUE(other.due.empty());
  ASSERT_TRUE(other.next_at);
  EXPECT_EQ(*other.next_at, now + Millis(30'000));
  // a died holding it: once the lease is over, b gets it, with its attempts unchanged.
  other = b->due_deliveries(now + Millis(30'000), 10);
  ASSERT_EQ(other.due.size(), 1u);
  EXPECT_EQ(other.due[0].id, first.due[0].id);
  EXPECT_EQ(other.due[0].attempts, 0);
  // The outcome sets the real state: a retry is due when it says, not when the lease would end.
  b->retry_delivery(other.due[0].id, 1, now + Millis(31'000));
  EXPECT_EQ(a->due_deliveries(now + Millis(31'000), 10).due.size(), 1u);
}

TEST_F(PgRepositoryTest, AnOutageFailsWithUnavailableAndTheSameRepositoryRecovers) {
  Store store(db_->open({}, false));
  const auto insert = [&](const std::string& id) {
    return test::run<bool>(store, [id](Repository& repo) -> Result<bool> {
      repo.insert(make_session(id, "ann"));
      return true;
    });
  };
  ASSERT_TRUE(insert("before").ok());
  test::pg_server().stop();
  for (int i = 0; i < 3; ++i) {
    const auto down = insert(test::numbered("down", i));
    ASSERT_FALSE(down.ok());
    EXPECT_EQ(down.error().code, errc::unavailable);
    EXPECT_EQ(down.error().message, "Database unavailable");
  }
  test::pg_server().start();
  const auto after = insert("after");
  EXPECT_TRUE(after.ok()) << after.error().message << ": " << after.error().detail;
  const auto found = test::run<bool>(store, [](Repository& repo) -> Result<bool> {
    return repo.find("before", false).has_value() && repo.find("after", false).has_value() &&
           !repo.find("down0", false).has_value();
  });
  ASSERT_TRUE(found.ok());
  EXPECT_TRUE(*found);
}

// PostgreSQL restarted between two operations: the connection learns it at its next statement, reconnects and sends
// that round trip again (nothing of it ran), so neither a read nor a write after the restart fails.
TEST_F(PgRepositoryTest, ARestartBetweenTwoOperationsIsNotSeen) {
  Store store(db_->open({}, false));
  const auto write = [&](const std::string& id) {
    return test::run<bool>(store, [id](Repository& repo) -> Result<bool> {
      if (auto s = repo.find(id, true)) {
        s->metadata.tags.push_back("again");
        repo.update(*s);
      } else {
        repo.insert(make_session(id, "ann"));
      }
      return true;
    });
  };
  const auto read = [&](const std::string& id) {
    return test::run<bool>(store, [id](Repository& repo) -> Result<bool> { return repo.find(id, false).has_value(); });
  };
  ASSERT_TRUE(write("s1").ok());
  test::pg_server().stop();
  test::pg_server().start();
  const auto r = read("s1");
  ASSERT_TRUE(r.ok()) << r.error().message << ": " << r.error().detail;
  EXPECT_TRUE(*r);
  test::pg_server().stop();
  test::pg_server().start();
  const auto w = write("s1");
  EXPECT_TRUE(w.ok()) << w.error().message << ": " << w.error().detail;
  test::pg_server().stop();
  test::pg_server().start();
  const auto inserted = write("s2");
  EXPECT_TRUE(inserted.ok()) << inserted.error().message << ": " << inserted.error().detail;
}

TEST_F(PgRepositoryTest, AStoreWithLanesKeepsEachSessionsOrder) {
  Store store([this] { return db_->open({}, false); }, StoreLimits{.max_batch = 1, .lanes = 4});
  ASSERT_EQ(store.lanes(), 4u);
  constexpr int kSessions = 8, kSteps = 25;
  for (int i = 0; i < kSessions; ++i) {
    const auto id = test::numbered("s", i);
    ASSERT_TRUE(test::run<bool>(store, [id](Repository& repo) -> Result<bool> {
                  repo.insert(make_session(id, "ann"));
                  return true;
                }).ok());
  }
  // Every step appends its number to its session's tags: keyed, the steps of one session run in submission order
  // (on its lane) while the sessions' lanes run at once.
  std::atomic<int> done{0}, failed{0};
  for (int step = 0; step < kSteps; ++step)
    for (int i = 0; i < kSessions; ++i) {
      const auto id = test::numbered("s", i);
      store.execute<bool>(
          id,
          [id, step](Repository& repo) -> Result<bool> {
            auto s = repo.find(id, true);
            s->metadata.tags.push_back(std::to_string(step));
            repo.update(*s);
            return true;
          },
          [&](Result<bool> r) {
            if (!r) ++failed;
            ++done;
          });
    }
  while (done.load() < kSessions * kSteps) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  EXPECT_EQ(failed.load(), 0);
  std::vector<std::string> expected;
  for (int step = 0; step < kSteps; ++step) expected.push_back(std::to_string(step));
  for (int i = 0; i < kSessions; ++i) {
    const auto id = test::numbered("s", i);
    const auto s = test::run<calls::CallSession>(
        store, [id](Repository& repo) -> Result<calls::CallSession> { return *repo.find(id, false); });
    ASSERT_TRUE(s.ok());
    EXPECT_EQ(s->metadata.tags, expected) << id;
  }
}

TEST_F(PgRepositoryTest, ADuplicateIsAConflictAndAnUnreachableServerUnavailable) {
  const auto repo = db_->open({}, false);
  repo->insert(make_session("s1", "ann"));
  EXPECT_EQ(test::code_of([&] { repo->insert(make_session("s1", "bob")); }), errc::conflict);
  try {
    PgRepository nowhere("postgresql://postgres@127.0.0.1:1/none?connect_timeout=2");
    ADD_FAILURE() << "connected to nothing";
  } catch (const StoreError& e) {
    EXPECT_EQ(e.code(), errc::unavailable);
    EXPECT_EQ(e.message(), "Database unavailable");
  }
}

TEST_F(PgRepositoryTest, MigrationsOnManyConnectionsAtOnceApplyEachVersionOnce) {
  const auto fresh = test::TestDatabase(test::Backend::postgres);
  std::vector<std::unique_ptr<Repository>> nodes;
  for (int i = 0; i < 4; ++i) nodes.push_back(fresh.open({}, false));
  std::atomic<int> applied{0};
  race(4, [&](int n) { applied += nodes[static_cast<std::size_t>(n)]->migrate(); });
  EXPECT_EQ(applied.load(), static_cast<int>(migrations(Dialect::postgres).size()));
  EXPECT_EQ(fresh.raw("SELECT COUNT(*) FROM schema_migrations"), std::to_string(migrations(Dialect::postgres).size()));
}

}  // namespace
}  // namespace hearth::store
