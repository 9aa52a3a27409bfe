// The webhook outbox of both repositories (sqlite_outbox.cpp, pg_outbox.cpp; one suite over both backends): events
// written with their change, in its savepoint; per-call sequences that survive reopening; one delivery per target;
// stream heads in order. PostgreSQL's claims (a head returned is leased to the caller) are in pg_repository_test.cpp.
#include "store/outbox.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include "calls/policy.hpp"
#include "unit/store/backends.hpp"
#include "unit/store/store_fixtures.hpp"

namespace hearth::store {
namespace {

using test::at;
using test::make_session;

const std::vector<std::string> kTargets{"http://127.0.0.1:1/a", "http://127.0.0.1:1/b"};
const TimePoint kLater = at(4'000'000'000'000);  // every new delivery is due by then

OutboxOptions with_outbox(std::shared_ptr<OutboxSignal> signal = nullptr) { return OutboxOptions{kTargets, signal}; }

boost::json::object body_of(const OutboxDelivery& d) { return boost::json::parse(d.body).as_object(); }

std::string type_of(const OutboxDelivery& d) { return std::string(body_of(d).at("type").as_string()); }

// Gives back what due_deliveries() claimed (PostgreSQL leases the heads it returns) without attempting it.
void give_back(Repository& repo, const OutboxDelivery& d) { repo.retry_delivery(d.id, d.attempts, d.next_attempt_at); }

// The due heads, as due_deliveries() returns them, left due (a look that claims nothing).
DueDeliveries peek(Repository& repo, TimePoint now, int limit) {
  auto due = repo.due_deliveries(now, limit);
  for (const auto& d : due.due) give_back(repo, d);
  return due;
}

// Every delivery of one target, in order, removing each (as the dispatcher does after a 2xx).
std::vector<OutboxDelivery> drain(Repository& repo, const std::string& target) {
  std::vector<OutboxDelivery> out;
  for (;;) {
    repo.begin();
    auto due = repo.due_deliveries(kLater, 100);
    bool any = false;
    for (const auto& d : due.due)
      if (d.target == target) {
        out.push_back(d);
        repo.remove_delivery(d.id);
        any = true;
      } else {
        give_back(repo, d);
      }
    repo.commit();
    if (!any) return out;
  }
}

// In one operation, the way the API and signaling change sessions: find, apply, update.
template <class F>
void change(Repository& repo, const std::string& id, F&& f) {
  repo.begin();
  repo.savepoint();
  auto s = repo.find(id, true);
  ASSERT_TRUE(s);
  f(*s);
  repo.update(*s);
  repo.release_savepoint();
  repo.commit();
}

class Outbox : public ::testing::TestWithParam<test::Backend> {
 protected:
  void SetUp() override {
    try {
      db_ = std::make_unique<test::TestDatabase>(GetParam());
    } catch (const std::exception& e) {
      GTEST_FAIL() << "cannot set the database up: " << e.what();
    }
  }
  // A migrated repository on the test's database, kept for the test's duration.
  Repository& open(OutboxOptions outbox = {}) { return *repos_.emplace_back(db_->open(std::move(outbox))); }

  std::unique_ptr<test::TestDatabase> db_;
  std::vector<std::unique_ptr<Repository>> repos_;
};

TEST_P(Outbox, OffWritesNothing) {
  auto& repo = open();
  repo.begin();
  repo.insert(make_session("c1", "ann", {"bob"}));
  repo.append_events("c1", {*calls::quality_alert("ann", calls::QualityLevel::poor, 2, at(1))});
  repo.commit();
  EXPECT_EQ(peek(repo, kLater, 10).pending, 0);
}

TEST_P(Outbox, EventsOfACallInOrderWithSequencesPerTarget) {
  auto signal = std::make_shared<OutboxSignal>();
  int notified = 0;
  signal->set([&] { ++notified; });
  auto& repo = open(with_outbox(signal));
  repo.begin();
  repo.insert(make_session("c1", "ann", {"bob"}));
  repo.commit();
  EXPECT_EQ(notified, 1);
  const auto now = at(1'700'000'001'000);
  change(repo, "c1", [&](calls::CallSession& s) {
    ASSERT_TRUE(calls::activate(s, {"ann", "Ann"}, "s1", "p1", now, calls::Limits{}).ok());
  });
  change(repo, "c1", [&](calls::CallSession& s) {
    ASSERT_TRUE(calls::activate(s, {"bob", "Bob"}, "s2", "p2", now, calls::Limits{}).ok());
  });
  change(repo, "c1", [&](calls::CallSession& s) {
    calls::deactivate(s, "bob", now + Millis(5000), calls::LeaveReason::disconnected);
  });
  change(repo, "c1", [&](calls::CallSession& s) {
    calls::deactivate(s, "ann", now + Millis(6000), calls::LeaveReason::left);  // the last one: the call ends
  });
  EXPECT_EQ(notified, 5);

  EXPECT_EQ(peek(repo, kLater, 100).pending, 2 * 7);
  for (const auto& target : kTargets) {
    const auto got = drain(repo, target);
    std::vector<std::string> types;
    for (const auto& d : got) types.push_back(type_of(d));
    EXPECT_EQ(types, (std::vector<std::string>{"call_initiated", "participant_joined", "participant_joined",
                                               "call_started", "participant_left", "participant_left", "call_ended"}));
    ASSERT_EQ(got.size(), 7u);
    for (std::size_t i = 0; i < got.size(); ++i) {
      EXPECT_EQ(got[i].sequence, static_cast<std::int64_t>(i) + 1);
      const auto body = body_of(got[i]);
      EXPECT_EQ(body.at("sequence").as_int64(), got[i].sequence);
      EXPECT_EQ(body.at("sessionId").as_string(), "c1");
      EXPECT_EQ(std::string(body.at("id").as_string()).substr(0, 4), "evt_");
      EXPECT_EQ(body.at("id").as_string(), got[i].event_id);
    }
    EXPECT_EQ(body_of(got[4]).at("data").at("reason").as_string(), "disconnected");
    EXPECT_EQ(body_of(got[5]).at("data").at("reason").as_string(), "left");
    EXPECT_EQ(body_of(got[6]).at("data").at("reason").as_string(), "all_left");
    EXPECT_TRUE(body_of(got[6]).at("data").at("endedBy").is_null());
  }
  EXPECT_EQ(peek(repo, kLater, 100).pending, 0);
}

TEST_P(Outbox, ARolledBackOperationLeavesNoEvent) {
  auto& repo = open(with_outbox());
  repo.begin();
  repo.savepoint();
  repo.insert(make_session("kept", "ann"));
  repo.release_savepoint();
  repo.savepoint();
  repo.insert(make_session("undone", "ann"));
  repo.rollback_to_savepoint();
  repo.savepoint();
  EXPECT_EQ(test::code_of([&] { repo.insert(make_session("kept", "ann")); }), errc::conflict);
  repo.rollback_to_savepoint();
  repo.commit();
  repo.begin();
  repo.insert(make_session("whole-transaction-undone", "ann"));
  repo.rollback();
  const auto due = peek(repo, kLater, 100);
  ASSERT_EQ(due.pending, 2);  // kept's call_initiated, to each target
  for (const auto& d : due.due) EXPECT_EQ(d.session_id, "kept");
}

TEST_P(Outbox, OneHeadPerStreamRetriesAndTargetsForgotten) {
  auto& repo = open(with_outbox());
  repo.begin();
  repo.insert(make_session("c1", "ann", {"bob"}));
  repo.insert(make_session("c2", "ann", {"bob"}));
  repo.append_events("c1", {*calls::quality_alert("ann", calls::QualityLevel::poor, 2.25, at(5))});
  repo.commit();
  auto due = peek(repo, kLater, 100);
  ASSERT_EQ(due.due.size(), 4u);  // two calls, two targets: each stream's first event only
  EXPECT_EQ(due.pending, 6);
  for (const auto& d : due.due) EXPECT_EQ(d.sequence, 1);

  // A retry later than now holds its stream back; the others stay due.
  const auto first = due.due.front();
  repo.begin();
  repo.retry_delivery(first.id, 1, at(2'000));
  repo.commit();
  due = peek(repo, at(1'000), 100);
  EXPECT_EQ(due.due.size(), 3u);
  ASSERT_TRUE(due.next_at);
  EXPECT_EQ(*due.next_at, at(2'000));
  due = peek(repo, at(2'000), 100);
  ASSERT_EQ(due.due.size(), 4u);
  const auto again = std::find_if(due.due.begin(), due.due.end(), [&](const auto& d) { return d.id == first.id; });
  ASSERT_NE(again, due.due.end());
  EXPECT_EQ(again->attempts, 1);

  repo.begin();
  EXPECT_EQ(repo.forget_targets({kTargets[1]}), 3);
  repo.commit();
  due = peek(repo, kLater, 100);
  EXPECT_EQ(due.pending, 3);
  for (const auto& d : due.due) EXPECT_EQ(d.target, kTargets[1]);

  const auto alert = drain(repo, kTargets[1]);
  ASSERT_EQ(alert.size(), 3u);
  const auto quality = std::find_if(alert.begin(), alert.end(), [](const auto& d) { return d.sequence == 2; });
  ASSERT_NE(quality, alert.end());
  const auto data = body_of(*quality).at("data").as_object();
  EXPECT_EQ(data.at("userId").as_string(), "ann");
  EXPECT_EQ(data.at("level").as_string(), "poor");
  EXPECT_DOUBLE_EQ(data.at("mos").to_number<double>(), 2.25);
}

TEST_P(Outbox, AppendingToAMissingSessionFails) {
  auto& repo = open(with_outbox());
  repo.begin();
  EXPECT_EQ(test::code_of([&] {
              repo.append_events("nope", {*calls::quality_alert("ann", calls::QualityLevel::lost, 1, at(5))});
            }),
            errc::not_found);
  repo.rollback();
}

TEST_P(Outbox, SequencesAndDeliveriesSurviveReopening) {
  {
    const auto first = db_->open(with_outbox());
    auto& repo = *first;
    repo.begin();
    repo.insert(make_session("c1", "ann", {"bob"}));
    repo.commit();
    drain(repo, kTargets[0]);
  }
  auto& repo = open(with_outbox());
  change(repo, "c1", [](calls::CallSession& s) {
    ASSERT_EQ(calls::end(s, calls::EndReason::ended_by_user, "ann", s.created_at + Millis(1000)),
              calls::EndOutcome::ended);
  });
  const auto a = drain(repo, kTargets[0]);
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].sequence, 2);  // continues after the first run's 1
  const auto b = drain(repo, kTargets[1]);
  ASSERT_EQ(b.size(), 2u);  // never delivered to b: both still there
  EXPECT_EQ(type_of(b[0]), "call_initiated");
  EXPECT_EQ(type_of(b[1]), "call_ended");
  EXPECT_EQ(body_of(b[1]).at("data").at("endedBy").as_string(), "ann");
}

INSTANTIATE_TEST_SUITE_P(Backends, Outbox, ::testing::ValuesIn(test::kBackends), test::backend_name);

}  // namespace
}  // namespace hearth::store
