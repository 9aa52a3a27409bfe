#include "store/member_totals.hpp"

#include <gtest/gtest.h>

#include "unit/store/store_fixtures.hpp"

namespace hearth::store {
namespace {

using test::make_session;

TEST(MemberTotals, CountsACommittedInsertOnceForEachMember) {
  MemberTotals totals(8);
  EXPECT_FALSE(totals.find("alice"));
  totals.remember("alice", 3);
  totals.remember("bob", 0);
  totals.inserted(make_session("s1", "alice", {"bob", "bob", "alice"}));  // the INSERT keeps each user once
  EXPECT_EQ(totals.find("alice"), 4);                                     // this transaction sees its own rows
  EXPECT_EQ(totals.find("bob"), 1);
  totals.commit();
  EXPECT_EQ(totals.find("alice"), 4);
  EXPECT_EQ(totals.find("bob"), 1);
  EXPECT_FALSE(totals.find("carol"));
}

TEST(MemberTotals, RollbacksForgetWhatTheyUndid) {
  MemberTotals totals(8);
  totals.remember("alice", 1);
  totals.savepoint();
  totals.inserted(make_session("s1", "alice"));
  totals.savepoint();
  totals.inserted(make_session("s2", "alice"));
  totals.rollback_to_savepoint();  // s2's operation failed
  EXPECT_EQ(totals.find("alice"), 2);
  totals.commit();
  EXPECT_EQ(totals.find("alice"), 2);

  totals.inserted(make_session("s3", "alice"));
  totals.rollback();
  EXPECT_EQ(totals.find("alice"), 2);
}

TEST(MemberTotals, ACountReadInsideATransactionIsKeptWithoutItsOwnRows) {
  MemberTotals totals(8);
  totals.inserted(make_session("s1", "alice"));
  totals.remember("alice", 5);  // counted by the database, s1 included
  EXPECT_EQ(totals.find("alice"), 5);
  totals.rollback();
  EXPECT_EQ(totals.find("alice"), 4);
}

TEST(MemberTotals, KeepsAtMostItsCapacityAndNothingWithoutOne) {
  MemberTotals totals(2);
  totals.remember("a", 1);
  totals.remember("b", 2);
  totals.remember("c", 3);
  EXPECT_EQ(totals.size(), 2u);
  EXPECT_EQ(totals.find("c"), 3);
  totals.clear();
  EXPECT_EQ(totals.size(), 0u);

  MemberTotals none(0);
  none.remember("a", 1);
  none.inserted(make_session("s1", "a"));
  EXPECT_FALSE(none.find("a"));
}

}  // namespace
}  // namespace hearth::store
