// In-call chat in the Repository (append_chat, chat_page), the same on SQLite and PostgreSQL (one suite over both
// backends: backends.hpp), with what the Store's savepoints and rollbacks must leave; then PostgreSQL's appends from
// several connections at once (as several nodes).
#include "store/repository.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <latch>
#include <set>
#include <thread>

#include "store/chat_sql.hpp"
#include "store/store.hpp"
#include "unit/store/backends.hpp"
#include "unit/store/store_fixtures.hpp"

namespace hearth::store {
namespace {

using test::at;
using test::code_of;
using test::make_session;

ChatMessage message(std::string session, std::string from, std::string client_id, std::string text = "hello",
                    std::string to = {}, bool waiting_room = false) {
  ChatMessage m;
  m.session_id = std::move(session);
  m.client_message_id = std::move(client_id);
  m.from_name = "Name of " + from;
  m.from_user_id = std::move(from);
  m.to_user_id = std::move(to);
  m.to_waiting_room = waiting_room;
  m.text = std::move(text);
  m.created_at = at(1'700'000'100'000);
  return m;
}

std::vector<std::int64_t> seqs(const ChatPage& page) {
  std::vector<std::int64_t> out;
  for (const auto& m : page.messages) out.push_back(m.seq);
  return out;
}

std::vector<std::string> client_ids(const ChatPage& page) {
  std::vector<std::string> out;
  for (const auto& m : page.messages) out.push_back(m.client_message_id);
  return out;
}

ChatQuery query(std::string session, std::string viewer, std::optional<std::int64_t> before = std::nullopt,
                int limit = 50) {
  return {std::move(session), std::move(viewer), before, limit};
}

class ChatRepositoryTest : public test::BackendTest {
 protected:
  void SetUp() override {
    test::BackendTest::SetUp();
    if (repo_) repo_->insert(make_session("s1", "alice", {"bob", "carol"}));
  }
  std::int64_t count() const { return std::stoll(db_->raw("SELECT COUNT(*) FROM chat_messages")); }
};

TEST_P(ChatRepositoryTest, AppendAssignsOneTwoThreeAndKeepsWhatItWasGiven) {
  std::set<std::string> ids;
  for (int i = 1; i <= 3; ++i) {
    auto sent = message("s1", "alice", test::numbered("c", i), "Grüße 👋 \"quoted\"");
    sent.created_at = at(1'700'000'100'000 + i);
    const auto [stored, added] = repo_->append_chat(sent);
    EXPECT_TRUE(added);
    EXPECT_EQ(stored.seq, i);
    EXPECT_TRUE(stored.message_id.starts_with("msg_")) << stored.message_id;
    ids.insert(stored.message_id);
    sent.seq = stored.seq;
    sent.message_id = stored.message_id;
    EXPECT_EQ(stored, sent);
  }
  EXPECT_EQ(ids.size(), 3u);
  const auto page = repo_->chat_page(query("s1", "bob"));
  ASSERT_EQ(seqs(page), (std::vector<std::int64_t>{1, 2, 3}));
  EXPECT_EQ(page.messages[1].text, "Grüße 👋 \"quoted\"");
  EXPECT_EQ(page.messages[1].from_name, "Name of alice");
  EXPECT_EQ(page.messages[1].created_at, at(1'700'000'100'002));
  EXPECT_FALSE(page.has_more);
  EXPECT_EQ(db_->raw("SELECT COUNT(*) FROM chat_messages WHERE to_user_id IS NULL AND to_waiting_room = 0"), "3");
}

TEST_P(ChatRepositoryTest, ARetryReturnsTheFirstUnchangedAndWritesNothing) {
  const auto first = repo_->append_chat(message("s1", "alice", "c1", "first"));
  ASSERT_TRUE(first.second);
  const auto retry = repo_->append_chat(message("s1", "alice", "c1", "sent again, different", "bob", true));
  EXPECT_FALSE(retry.second);
  EXPECT_EQ(retry.first, first.first);
  EXPECT_EQ(count(), 1);
  // The same client id from another sender, or in another call, is another message.
  EXPECT_TRUE(repo_->append_chat(message("s1", "bob", "c1")).second);
  repo_->insert(make_session("s2", "alice"));
  const auto other_call = repo_->append_chat(message("s2", "alice", "c1"));
  EXPECT_TRUE(other_call.second);
  EXPECT_EQ(other_call.first.seq, 1);
  EXPECT_EQ(repo_->append_chat(message("s1", "alice", "c2")).first.seq, 3);  // no seq spent on the retry
}

TEST_P(ChatRepositoryTest, AnUnknownSessionIsNotFound) {
  EXPECT_EQ(code_of([&] { repo_->append_chat(message("nope", "alice", "c1")); }), errc::not_found);
  EXPECT_EQ(count(), 0);
  const auto page = repo_->chat_page(query("nope", "alice"));
  EXPECT_TRUE(page.messages.empty());
  EXPECT_FALSE(page.has_more);
}

TEST_P(ChatRepositoryTest, PagesGoBackwardsFromBeforeOldestFirst) {
  for (int i = 1; i <= 7; ++i) repo_->append_chat(message("s1", i % 2 ? "alice" : "bob", test::numbered("c", i)));
  auto page = repo_->chat_page(query("s1", "carol", std::nullopt, 3));
  EXPECT_EQ(seqs(page), (std::vector<std::int64_t>{5, 6, 7}));
  EXPECT_TRUE(page.has_more);
  page = repo_->chat_page(query("s1", "carol", 5, 3));
  EXPECT_EQ(seqs(page), (std::vector<std::int64_t>{2, 3, 4}));
  EXPECT_TRUE(page.has_more);
  page = repo_->chat_page(query("s1", "carol", 2, 3));
  EXPECT_EQ(seqs(page), (std::vector<std::int64_t>{1}));
  EXPECT_FALSE(page.has_more);
  page = repo_->chat_page(query("s1", "carol", 4, 3));  // exactly the rest
  EXPECT_EQ(seqs(page), (std::vector<std::int64_t>{1, 2, 3}));
  EXPECT_FALSE(page.has_more);
  EXPECT_TRUE(repo_->chat_page(query("s1", "carol", 1)).messages.empty());
  EXPECT_EQ(seqs(repo_->chat_page(query("s1", "carol", 1'000'000))).size(), 7u);
  // The limit is clamped to 1..100.
  page = repo_->chat_page(query("s1", "carol", std::nullopt, 0));
  EXPECT_EQ(seqs(page), (std::vector<std::int64_t>{7}));
  EXPECT_TRUE(page.has_more);
  EXPECT_EQ(repo_->chat_page(query("s1", "carol", std::nullopt, 100'000)).messages.size(), 7u);
}

TEST_P(ChatRepositoryTest, TheLimitIsAtMostOneHundred) {
  repo_->begin();
  for (int i = 1; i <= 105; ++i) repo_->append_chat(message("s1", "alice", test::numbered("c", i)));
  repo_->commit();
  const auto page = repo_->chat_page(query("s1", "bob", std::nullopt, 1000));
  ASSERT_EQ(page.messages.size(), 100u);
  EXPECT_EQ(page.messages.front().seq, 6);
  EXPECT_EQ(page.messages.back().seq, 105);
  EXPECT_TRUE(page.has_more);
}

TEST_P(ChatRepositoryTest, APageStopsAtAQuarterMegabyteAndTheRestFollows) {
  // 100 messages of 4,000 four-byte code points would be a page of 1.6 MB.
  std::string long_text;
  for (int i = 0; i < 4000; ++i) long_text += "\xF0\x9F\x8E\x89";
  repo_->begin();
  for (int i = 1; i <= 100; ++i) repo_->append_chat(message("s1", "alice", test::numbered("c", i), long_text));
  repo_->commit();
  std::vector<std::int64_t> all;
  std::optional<std::int64_t> before;
  int pages = 0;
  for (;; ++pages) {
    const auto page = repo_->chat_page(query("s1", "bob", before, 100));
    ASSERT_FALSE(page.messages.empty());
    std::size_t bytes = 0;
    for (const auto& m : page.messages) bytes += m.text.size() + m.from_name.size();
    EXPECT_LE(bytes, chat_sql::kMaxPageBytes);
    const auto page_seqs = seqs(page);
    all.insert(all.begin(), page_seqs.begin(), page_seqs.end());
    if (!page.has_more) break;
    before = page.messages.front().seq;
  }
  EXPECT_EQ(pages + 1, 7);  // 16,000 bytes a message: 16 a page
  ASSERT_EQ(all.size(), 100u);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(all[i], i + 1);
  // One message larger than the budget still makes a page.
  EXPECT_EQ(repo_->chat_page(query("s1", "bob", std::nullopt, 1)).messages.size(), 1u);
}

TEST_P(ChatRepositoryTest, DirectMessagesAreSeenByTheirTwoUsersAndTheWaitingRoomsByEveryone) {
  repo_->append_chat(message("s1", "alice", "public-1"));
  repo_->append_chat(message("s1", "alice", "alice-to-bob", "psst", "bob"));
  repo_->append_chat(message("s1", "alice", "waiting-room", "please wait", {}, true));
  repo_->append_chat(message("s1", "carol", "carol-to-alice", "hi", "alice"));
  repo_->append_chat(message("s1", "alice", "to-waiting-dave", "soon", "dave", true));
  repo_->append_chat(message("s1", "bob", "public-2"));
  using Ids = std::vector<std::string>;
  EXPECT_EQ(client_ids(repo_->chat_page(query("s1", "alice"))),
            (Ids{"public-1", "alice-to-bob", "waiting-room", "carol-to-alice", "to-waiting-dave", "public-2"}));
  EXPECT_EQ(client_ids(repo_->chat_page(query("s1", "bob"))),
            (Ids{"public-1", "alice-to-bob", "waiting-room", "public-2"}));
  EXPECT_EQ(client_ids(repo_->chat_page(query("s1", "carol"))),
            (Ids{"public-1", "waiting-room", "carol-to-alice", "public-2"}));
  EXPECT_EQ(client_ids(repo_->chat_page(query("s1", "dave"))),
            (Ids{"public-1", "waiting-room", "to-waiting-dave", "public-2"}));
  // A co-host also reads a host's message to one waiting user (and still not others' direct messages).
  auto as_host = query("s1", "carol");
  as_host.viewer_is_host = true;
  EXPECT_EQ(client_ids(repo_->chat_page(as_host)),
            (Ids{"public-1", "waiting-room", "carol-to-alice", "to-waiting-dave", "public-2"}));
  // has_more counts only what the viewer may read: carol's oldest readable message is public-1.
  auto page = repo_->chat_page(query("s1", "carol", std::nullopt, 3));
  EXPECT_EQ(client_ids(page), (Ids{"waiting-room", "carol-to-alice", "public-2"}));
  EXPECT_TRUE(page.has_more);
  page = repo_->chat_page(query("s1", "bob", 3, 2));
  EXPECT_EQ(client_ids(page), (Ids{"public-1", "alice-to-bob"}));
  EXPECT_FALSE(page.has_more);
  page = repo_->chat_page(query("s1", "carol", 3, 1));
  EXPECT_EQ(client_ids(page), (Ids{"public-1"}));
  EXPECT_FALSE(page.has_more);  // alice-to-bob (seq 2) is not carol's
  // What is stored comes back as it was sent.
  page = repo_->chat_page(query("s1", "dave", std::nullopt, 2));
  ASSERT_EQ(page.messages.size(), 2u);
  EXPECT_EQ(page.messages[0].to_user_id, "dave");
  EXPECT_TRUE(page.messages[0].to_waiting_room);
  EXPECT_EQ(page.messages[0].seq, 5);
  EXPECT_TRUE(page.messages[1].to_user_id.empty());
  EXPECT_FALSE(page.messages[1].to_waiting_room);
  EXPECT_EQ(db_->raw("SELECT COUNT(*) FROM chat_messages WHERE to_user_id IS NULL"), "3");
}

TEST_P(ChatRepositoryTest, InterleavedSessionsKeepTheirOwnSeq) {
  repo_->insert(make_session("s2", "bob", {"alice"}));
  repo_->begin();
  for (int i = 1; i <= 4; ++i) {
    EXPECT_EQ(repo_->append_chat(message("s1", "alice", test::numbered("a", i))).first.seq, i);
    EXPECT_EQ(repo_->append_chat(message("s2", "bob", test::numbered("b", i))).first.seq, i);
  }
  repo_->commit();
  EXPECT_EQ(seqs(repo_->chat_page(query("s1", "alice"))), (std::vector<std::int64_t>{1, 2, 3, 4}));
  EXPECT_EQ(client_ids(repo_->chat_page(query("s2", "alice", 3))), (std::vector<std::string>{"b1", "b2"}));
}

TEST_P(ChatRepositoryTest, RolledBackAppendsLeaveNoMessageAndNoGap) {
  repo_->begin();
  repo_->savepoint();
  repo_->append_chat(message("s1", "alice", "kept-1"));
  repo_->release_savepoint();
  repo_->savepoint();
  EXPECT_EQ(repo_->append_chat(message("s1", "alice", "undone")).first.seq, 2);
  repo_->rollback_to_savepoint();
  repo_->savepoint();
  EXPECT_EQ(repo_->append_chat(message("s1", "alice", "kept-2")).first.seq, 2);
  repo_->release_savepoint();
  repo_->commit();
  repo_->begin();
  EXPECT_EQ(repo_->append_chat(message("s1", "alice", "rolled-back")).first.seq, 3);
  repo_->rollback();
  EXPECT_EQ(repo_->append_chat(message("s1", "alice", "kept-3")).first.seq, 3);
  EXPECT_EQ(client_ids(repo_->chat_page(query("s1", "bob"))), (std::vector<std::string>{"kept-1", "kept-2", "kept-3"}));
  // A retry of the undone message is a new message now.
  EXPECT_TRUE(repo_->append_chat(message("s1", "alice", "undone")).second);
}

// Through the Store: in one batch (optimistic savepoints first), operations that appended and then failed are undone
// with their messages (on SQLite the batch runs again with real savepoints), and the others' seqs have no gap.
TEST_P(ChatRepositoryTest, FailedStoreOperationsLeaveNoMessageAndNoGap) {
  Store store(db_->open());
  std::promise<void> gate;
  auto opened = gate.get_future().share();
  std::promise<void> blocking;
  store.execute<void>(
      [&blocking, opened](Repository&) -> Result<void> {
        blocking.set_value();
        opened.wait();  // everything below lands in the next batch
        return {};
      },
      nullptr);
  blocking.get_future().wait();
  std::vector<std::future<Result<std::int64_t>>> results;
  const auto submit = [&](std::string client_id, int fail) {
    auto p = std::make_shared<std::promise<Result<std::int64_t>>>();
    results.push_back(p->get_future());
    store.execute<std::int64_t>(
        "s1",
        [client_id, fail](Repository& repo) -> Result<std::int64_t> {
          if (!repo.find("s1", true)) return make_error(errc::not_found, "no s1");
          const auto seq = repo.append_chat(message("s1", "alice", client_id)).first.seq;
          if (fail == 1) return make_error(errc::forbidden, "refused after appending");
          if (fail == 2) throw std::runtime_error("bug after appending");
          return seq;
        },
        [p](Result<std::int64_t> r) { p->set_value(std::move(r)); });
  };
  submit("a", 0);
  submit("refused", 1);
  submit("b", 0);
  submit("threw", 2);
  submit("c", 0);
  gate.set_value();
  EXPECT_EQ(*results[0].get(), 1);
  EXPECT_EQ(results[1].get().error().code, errc::forbidden);
  EXPECT_EQ(*results[2].get(), 2);
  EXPECT_EQ(results[3].get().error().code, errc::internal);
  EXPECT_EQ(*results[4].get(), 3);
  EXPECT_EQ(client_ids(repo_->chat_page(query("s1", "bob"))), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(seqs(repo_->chat_page(query("s1", "bob"))), (std::vector<std::int64_t>{1, 2, 3}));
}

INSTANTIATE_TEST_SUITE_P(Backends, ChatRepositoryTest, ::testing::ValuesIn(test::kBackends), test::backend_name);

// PostgreSQL, several connections appending to one call at once (as several nodes): every message stored once, the
// seqs 1..n without a gap, whether the appends take turns on the session's row lock (as the signaling side's
// operations do) or meet on the key (a ConcurrentWrite, after which the Store would run the batch again: here, the
// test's loop).
class PgChatTest : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    try {
      db_ = std::make_unique<test::TestDatabase>(test::Backend::postgres);
      db_->open()->insert(make_session("s1", "alice", {"bob"}));
    } catch (const std::exception& e) {
      GTEST_FAIL() << "cannot set PostgreSQL up: " << e.what();
    }
  }
  std::unique_ptr<test::TestDatabase> db_;
};

// Appends `m` in a transaction of its own on `repo` (after locking the session when `lock`), again after each
// ConcurrentWrite as the Store would; returns the result and how many attempts met another connection.
std::pair<std::pair<ChatMessage, bool>, int> append_until_done(Repository& repo, const ChatMessage& m, bool lock) {
  for (int conflicts = 0;; ++conflicts) {
    try {
      repo.begin();
      if (lock && !repo.find(m.session_id, true)) throw std::runtime_error("no session");
      auto r = repo.append_chat(m);
      repo.commit();
      return {std::move(r), conflicts};
    } catch (const ConcurrentWrite&) {
      repo.rollback();
      if (conflicts > 1000) throw;
    }
  }
}

TEST_P(PgChatTest, FourNodesAppendingToOneCallGetGaplessSeqs) {
  const bool lock = GetParam();
  constexpr int nodes = 4, each = 25;
  std::vector<std::unique_ptr<Repository>> repos;
  for (int i = 0; i < nodes; ++i) repos.push_back(db_->open({}, false));
  std::latch start(nodes);
  std::atomic<int> conflicts{0};
  std::vector<std::thread> threads;
  for (int n = 0; n < nodes; ++n)
    threads.emplace_back([&, n] {
      start.arrive_and_wait();
      for (int i = 0; i < each; ++i) {
        const auto [r, met] = append_until_done(*repos[static_cast<std::size_t>(n)],
                                                message("s1", test::numbered("u", n), test::numbered("c", i)), lock);
        EXPECT_TRUE(r.second);
        conflicts += met;
      }
    });
  for (auto& t : threads) t.join();
  const auto repo = db_->open({}, false);
  std::vector<std::int64_t> all;
  for (std::optional<std::int64_t> before;;) {
    const auto page = repo->chat_page(query("s1", "alice", before, 100));
    const auto got = seqs(page);
    all.insert(all.begin(), got.begin(), got.end());
    if (!page.has_more) break;
    before = page.messages.front().seq;
  }
  ASSERT_EQ(all.size(), std::size_t{nodes * each});
  for (std::size_t i = 0; i < all.size(); ++i) EXPECT_EQ(all[i], static_cast<std::int64_t>(i) + 1);
  if (lock) {
    EXPECT_EQ(conflicts.load(), 0) << "appends behind the row lock never meet";
  }
}

TEST_P(PgChatTest, TheSameMessageSentOnFourNodesAtOnceIsStoredOnce) {
  const bool lock = GetParam();
  constexpr int nodes = 4;
  std::vector<std::unique_ptr<Repository>> repos;
  for (int i = 0; i < nodes; ++i) repos.push_back(db_->open({}, false));
  std::latch start(nodes);
  std::vector<std::pair<ChatMessage, bool>> results(nodes);
  std::vector<std::thread> threads;
  for (int n = 0; n < nodes; ++n)
    threads.emplace_back([&, n] {
      start.arrive_and_wait();
      results[static_cast<std::size_t>(n)] =
          append_until_done(*repos[static_cast<std::size_t>(n)], message("s1", "bob", "once"), lock).first;
    });
  for (auto& t : threads) t.join();
  int added = 0;
  for (const auto& r : results) {
    added += r.second ? 1 : 0;
    EXPECT_EQ(r.first, results[0].first);
  }
  EXPECT_EQ(added, 1);
  EXPECT_EQ(results[0].first.seq, 1);
  EXPECT_EQ(db_->raw("SELECT COUNT(*) FROM chat_messages"), "1");
}

INSTANTIATE_TEST_SUITE_P(LockedOrNot, PgChatTest, ::testing::Bool(), [](const ::testing::TestParamInfo<bool>& locked) {
  return locked.param ? "row_locked" : "unlocked";
});

}  // namespace
}  // namespace hearth::store
