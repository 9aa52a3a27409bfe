// Shards: one thread per io_context, and the batched hand-off between them (net::post / net::dispatch): order per
// sender and destination, one wake-up per turn, inline dispatch on the caller's own shard, Asio's post elsewhere.
#include "net/shards.hpp"

#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <chrono>
#include <functional>
#include <future>
#include <memory>
#include <stdexcept>
#include <thread>
#include <vector>

#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>

namespace hearth::net {
namespace {
namespace asio = boost::asio;
using namespace std::chrono_literals;

// Runs every shard on its own thread for the test's lifetime.
class Running {
 public:
  explicit Running(Shards& shards)
      : shards_(shards), done_(std::async(std::launch::async, [&] { shards.run_all(); })) {}
  ~Running() {
    shards_.stop();
    done_.wait();
  }

 private:
  Shards& shards_;
  std::future<void> done_;
};

// Runs `fn` on shard `i` and waits for it.
template <class Fn>
void on_shard(Shards& shards, unsigned i, Fn fn) {
  std::promise<void> finished;
  asio::post(shards[i].context(), [&] {
    fn();
    finished.set_value();
  });
  finished.get_future().wait();
}

TEST(Shards, EachShardRunsOnItsOwnThreadAndKnowsItself) {
  Shards shards(3);
  Running running(shards);
  std::vector<std::thread::id> ids(3);
  for (unsigned i = 0; i < 3; ++i) {
    on_shard(shards, i, [&, i] {
      ids[i] = std::this_thread::get_id();
      ASSERT_EQ(Shards::current(), &shards[i]);
      EXPECT_TRUE(running_in_this_thread(shards[i].executor()));
      EXPECT_FALSE(running_in_this_thread(shards[(i + 1) % 3].executor()));
      EXPECT_EQ(this_shard_or(shards[0].context()), asio::any_io_executor(shards[i].executor()));
    });
  }
  EXPECT_NE(ids[0], ids[1]);
  EXPECT_NE(ids[1], ids[2]);
  EXPECT_EQ(Shards::current(), nullptr);  // the test's thread is no shard
  EXPECT_EQ(shards.find(asio::any_io_executor(shards[2].executor())), &shards[2]);
  asio::io_context other;
  EXPECT_EQ(shards.find(asio::any_io_executor(other.get_executor())), nullptr);
  EXPECT_EQ(shards.find(asio::any_io_executor(asio::make_strand(shards[0].context()))), nullptr);
}

// What one shard hands to another in one turn arrives in order, as one batch, with one wake-up.
TEST(Shards, ATurnsHandOffsArriveInOrderInOneBatch) {
  Shards shards(2);
  Running running(shards);
  constexpr int kTasks = 1000;
  std::vector<int> seen;  // written on shard 1 only
  std::promise<void> all;
  on_shard(shards, 0, [&] {
    for (int i = 0; i < kTasks; ++i) {
      net::post(shards[1].executor(), [&, i] {
        EXPECT_EQ(Shards::current(), &shards[1]);
        seen.push_back(i);
        if (i == kTasks - 1) all.set_value();
      });
    }
  });
  ASSERT_EQ(all.get_future().wait_for(5s), std::future_status::ready);
  ASSERT_EQ(seen.size(), static_cast<std::size_t>(kTasks));
  for (int i = 0; i < kTasks; ++i) ASSERT_EQ(seen[i], i);
  EXPECT_EQ(shards[0].tasks_sent(), static_cast<std::uint64_t>(kTasks));
  EXPECT_EQ(shards[0].batches_sent(), 1u);
  EXPECT_EQ(shards[0].wakeups_sent(), 1u);
}

// Many turns from two senders to one shard, each sender's tasks in its own order (they interleave freely).
TEST(Shards, OrderHoldsPerSenderAcrossManyTurns) {
  Shards shards(3);
  constexpr int kPerSender = 20000;
  std::vector<int> last(2, -1);  // by sender; on shard 2 only
  std::atomic<int> received{0};
  std::atomic<bool> in_order{true};
  std::promise<void> all;
  // Each sender hands off from many turns of its own loop (sender 0 one task per turn, sender 1 ten): step(next)
  // sends a burst, then posts the next step behind whatever its shard has queued. Declared before the shards run,
  // so they outlive the threads that call them.
  std::array<std::function<void(int)>, 2> step;
  for (unsigned sender = 0; sender < 2; ++sender) {
    step[sender] = [&, sender](int next) {
      const int burst = sender == 0 ? 1 : 10;
      for (int k = 0; k < burst && next < kPerSender; ++k, ++next) {
        net::post(shards[2].executor(), [&, sender, n = next] {
          if (last[sender] + 1 != n) in_order = false;
          last[sender] = n;
          if (received.fetch_add(1) + 1 == 2 * kPerSender) all.set_value();
        });
      }
      if (next < kPerSender) asio::post(shards[sender].context(), [&, sender, next] { step[sender](next); });
    };
  }
  Running running(shards);
  for (unsigned sender = 0; sender < 2; ++sender)
    asio::post(shards[sender].context(), [&, sender] { step[sender](0); });
  ASSERT_EQ(all.get_future().wait_for(20s), std::future_status::ready);
  EXPECT_TRUE(in_order.load());
  // Batched: far fewer wake-ups than tasks (a wake-up only when the destination's inbox was empty).
  EXPECT_LE(shards[0].wakeups_sent(), shards[0].batches_sent());
  EXPECT_LE(shards[1].batches_sent(), shards[1].tasks_sent() / 5);
}

TEST(Shards, DispatchRunsInlineOnTheCallersShardAndPostWaitsForTheTurn) {
  Shards shards(2);
  // Set by the tasks that run after the handler below has returned: they outlive it (and the shards' threads).
  std::promise<void> posted_ran, elsewhere_ran;
  Running running(shards);
  on_shard(shards, 0, [&] {
    bool ran = false;
    net::dispatch(shards[0].executor(), [&] { ran = true; });
    EXPECT_TRUE(ran);
    auto posted = std::make_shared<bool>(false);
    net::post(shards[0].executor(), [posted, &posted_ran] {
      *posted = true;
      posted_ran.set_value();
    });
    EXPECT_FALSE(*posted);  // later, in a handler of its own
    auto elsewhere = std::make_shared<std::atomic<bool>>(false);
    net::dispatch(shards[1].executor(), [elsewhere, &elsewhere_ran] {
      *elsewhere = true;
      elsewhere_ran.set_value();
    });
    EXPECT_FALSE(*elsewhere);  // another shard's: handed over at the end of this turn, not run here
  });
  ASSERT_EQ(posted_ran.get_future().wait_for(5s), std::future_status::ready);
  ASSERT_EQ(elsewhere_ran.get_future().wait_for(5s), std::future_status::ready);
  EXPECT_EQ(shards[0].tasks_sent(), 1u);
}

// From a thread that is no shard (the store's, say) the hand-off is Asio's post.
TEST(Shards, PostFromAnotherThreadGoesThroughAsio) {
  Shards shards(2);
  Running running(shards);
  std::promise<Shard*> where;
  net::post(shards[1].executor(), [&] { where.set_value(Shards::current()); });
  EXPECT_EQ(where.get_future().get(), &shards[1]);
  EXPECT_EQ(shards[0].tasks_sent() + shards[1].tasks_sent(), 0u);
}

// A task that throws is logged; the rest of its batch still runs.
TEST(Shards, ATaskThatThrowsDoesNotLoseTheRestOfItsBatch) {
  Shards shards(2);
  Running running(shards);
  std::promise<int> after;
  on_shard(shards, 0, [&] {
    net::post(shards[1].executor(), [] { throw std::runtime_error("boom"); });
    net::post(shards[1].executor(), [&] { after.set_value(7); });
  });
  auto f = after.get_future();
  ASSERT_EQ(f.wait_for(5s), std::future_status::ready);
  EXPECT_EQ(f.get(), 7);
}

// Tasks never run (stopped shards) are freed with what they hold.
TEST(Shards, UndeliveredTasksAreFreed) {
  auto held = std::make_shared<int>(1);
  std::weak_ptr<int> weak = held;
  {
    Shards shards(2);
    {
      Running running(shards);
      on_shard(shards, 1, [&] { shards[0].context().stop(); });  // shard 0 stops taking anything
      on_shard(shards, 1, [&, h = std::move(held)] { net::post(shards[0].executor(), [h] {}); });
      // Let the end-of-turn flush push it into shard 0's inbox.
      on_shard(shards, 1, [] {});
    }
    EXPECT_FALSE(weak.expired());  // still in shard 0's inbox
  }
  EXPECT_TRUE(weak.expired());
}

}  // namespace
}  // namespace hearth::net
