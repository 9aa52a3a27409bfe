#include "auth/token_cache.hpp"

#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace hearth::auth {
namespace {

const TimePoint t0 = from_epoch_ms(1'700'000'000'000);
constexpr std::chrono::seconds leeway{30};

Principal principal(std::string user, TimePoint expires_at = t0 + std::chrono::seconds{600}) {
  return Principal{std::move(user), "Name", "user", expires_at};
}

TEST(TokenCache, AnswersBetweenVerificationAndExpiryPlusLeeway) {
  TokenCache cache(16, leeway);
  EXPECT_FALSE(cache.find("tok", t0));
  cache.put("tok", principal("u1"), t0);
  ASSERT_TRUE(cache.find("tok", t0));
  EXPECT_EQ(cache.find("tok", t0 + std::chrono::seconds{629})->user_id, "u1");
  EXPECT_FALSE(cache.find("tok", t0 + std::chrono::seconds{630}));     // exp + leeway
  EXPECT_FALSE(cache.find("tok", t0 - std::chrono::milliseconds{1}));  // before it was verified
  EXPECT_FALSE(cache.find("to", t0));
}

TEST(TokenCache, IsBounded) {
  TokenCache cache(8, leeway);  // one per shard
  for (int i = 0; i < 100; ++i) cache.put("token-" + std::to_string(i), principal("u"), t0);
  int kept = 0;
  for (int i = 0; i < 100; ++i) kept += cache.find("token-" + std::to_string(i), t0) ? 1 : 0;
  EXPECT_LE(kept, 8);
  EXPECT_GE(kept, 1);
  TokenCache off(0, leeway);
  off.put("tok", principal("u"), t0);
  EXPECT_FALSE(off.find("tok", t0));
}

TEST(TokenCache, ConcurrentUseIsSafe) {  // meaningful under TSan
  TokenCache cache(64, leeway);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&cache, t] {
      for (int i = 0; i < 2000; ++i) {
        const std::string token = "token-" + std::to_string((i * 7 + t) % 200);
        if (const auto p = cache.find(token, t0)) {
          EXPECT_EQ(p->user_id, token);
        } else {
          cache.put(token, principal(token), t0);
        }
      }
    });
  for (auto& th : threads) th.join();
}

}  // namespace
}  // namespace hearth::auth
