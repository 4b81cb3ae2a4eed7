// auth/rate_limiter: per-tenant token buckets and concurrency counts, on a fake clock (no
// sleeps, no timing).
#include "auth/rate_limiter.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <utility>
#include <vector>

namespace wasmlet::auth {
namespace {

using namespace std::chrono_literals;
using Clock = RateLimiter::Clock;

struct FakeClock {
  Clock::time_point now{Clock::duration(1'000'000'000)};
  RateLimiter::Now fn() {
    return [this] { return now; };
  }
};

Quotas quotas(double rate, uint32_t burst, uint32_t concurrent = 1000) {
  Quotas q;
  q.calls_per_second = rate;
  q.burst = burst;
  q.max_concurrent_calls = concurrent;
  return q;
}

TEST(RateLimiter, BurstThenRefusalWithRetryAfter) {
  FakeClock clock;
  RateLimiter limiter(clock.fn());
  Quotas q = quotas(0.25, 3);  // one token every 4 s
  std::vector<CallPermit> held;
  for (int i = 0; i < 3; ++i) {
    auto a = limiter.admit("alice", q);
    ASSERT_TRUE(a.permit) << i;
    EXPECT_FALSE(a.refusal);
    held.push_back(std::move(a.permit));
  }
  auto refused = limiter.admit("alice", q);
  EXPECT_FALSE(refused.permit);
  ASSERT_TRUE(refused.refusal);
  EXPECT_EQ(refused.refusal->kind, Refusal::Kind::Rate);
  EXPECT_EQ(refused.refusal->retry_after, 4s);

  clock.now += 1500ms;  // 0.375 of a token: 2.5 s to go, rounded up
  refused = limiter.admit("alice", q);
  ASSERT_TRUE(refused.refusal);
  EXPECT_EQ(refused.refusal->retry_after, 3s);

  // Another tenant has a bucket of its own.
  EXPECT_TRUE(limiter.admit("bob", q).permit);
}

TEST(RateLimiter, RetryAfterIsAtLeastOneSecond) {
  FakeClock clock;
  RateLimiter limiter(clock.fn());
  Quotas q = quotas(1000, 1);
  auto first = limiter.admit("alice", q);
  ASSERT_TRUE(first.permit);
  auto refused = limiter.admit("alice", q);
  ASSERT_TRUE(refused.refusal);
  EXPECT_EQ(refused.refusal->retry_after, 1s);
}

TEST(RateLimiter, RefillsWithTimeUpToTheBurst) {
  FakeClock clock;
  RateLimiter limiter(clock.fn());
  Quotas q = quotas(2, 4);
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(limiter.admit("alice", q).permit);
  EXPECT_FALSE(limiter.admit("alice", q).permit);
  clock.now += 1s;  // two tokens
  EXPECT_TRUE(limiter.admit("alice", q).permit);
  EXPECT_TRUE(limiter.admit("alice", q).permit);
  EXPECT_FALSE(limiter.admit("alice", q).permit);
  clock.now += 1h;  // far more than the burst
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(limiter.admit("alice", q).permit) << i;
  EXPECT_FALSE(limiter.admit("alice", q).permit);
}

TEST(RateLimiter, ConcurrencyLimitAndReleaseByDestruction) {
  FakeClock clock;
  RateLimiter limiter(clock.fn());
  Quotas q = quotas(1000, 1000, 2);
  auto a = limiter.admit("alice", q);
  auto b = limiter.admit("alice", q);
  ASSERT_TRUE(a.permit);
  ASSERT_TRUE(b.permit);
  EXPECT_EQ(limiter.in_flight("alice"), 2u);
  auto c = limiter.admit("alice", q);
  EXPECT_FALSE(c.permit);
  ASSERT_TRUE(c.refusal);
  EXPECT_EQ(c.refusal->kind, Refusal::Kind::Concurrency);
  EXPECT_EQ(c.refusal->retry_after, 1s);

  a.permit = CallPermit();  // the call finished
  EXPECT_EQ(limiter.in_flight("alice"), 1u);
  {
    auto d = limiter.admit("alice", q);
    EXPECT_TRUE(d.permit);
    EXPECT_EQ(limiter.in_flight("alice"), 2u);
  }
  EXPECT_EQ(limiter.in_flight("alice"), 1u);
}

TEST(RateLimiter, ConcurrencyRefusalSpendsNoToken) {
  FakeClock clock;
  RateLimiter limiter(clock.fn());
  Quotas q = quotas(0.001, 2, 1);
  auto a = limiter.admit("alice", q);
  ASSERT_TRUE(a.permit);
  for (int i = 0; i < 5; ++i) EXPECT_FALSE(limiter.admit("alice", q).permit);
  a.permit = CallPermit();
  EXPECT_TRUE(limiter.admit("alice", q).permit);  // the second token is still there
}

TEST(RateLimiter, PermitsMoveWithTheirCall) {
  FakeClock clock;
  RateLimiter limiter(clock.fn());
  Quotas q = quotas(1000, 1000, 1);
  auto a = limiter.admit("alice", q);
  CallPermit moved = std::move(a.permit);
  EXPECT_FALSE(a.permit);  // NOLINT(bugprone-use-after-move): a moved-from permit is empty
  EXPECT_TRUE(moved);
  EXPECT_EQ(limiter.in_flight("alice"), 1u);
  CallPermit assigned;
  assigned = std::move(moved);
  EXPECT_EQ(limiter.in_flight("alice"), 1u);
  EXPECT_FALSE(limiter.admit("alice", q).permit);
  // Assigning over a held permit releases it.
  auto b = limiter.admit("bob", q);
  assigned = std::move(b.permit);
  EXPECT_EQ(limiter.in_flight("alice"), 0u);
  EXPECT_EQ(limiter.in_flight("bob"), 1u);
  assigned = CallPermit();
  EXPECT_EQ(limiter.in_flight("bob"), 0u);
}

TEST(RateLimiter, ForgetKeepsOutstandingPermitsValid) {
  FakeClock clock;
  RateLimiter limiter(clock.fn());
  Quotas q = quotas(1000, 1, 1);
  auto a = limiter.admit("alice", q);
  ASSERT_TRUE(a.permit);
  limiter.forget("alice");
  EXPECT_EQ(limiter.in_flight("alice"), 0u);
  auto again = limiter.admit("alice", q);  // a fresh bucket, a fresh count
  EXPECT_TRUE(again.permit);
  a.permit = CallPermit();  // releases into the forgotten counters, harmlessly
  EXPECT_EQ(limiter.in_flight("alice"), 1u);
}

TEST(RateLimiter, ShrunkBurstTakesEffect) {
  FakeClock clock;
  RateLimiter limiter(clock.fn());
  EXPECT_TRUE(limiter.admit("alice", quotas(0.001, 100)).permit);
  Quotas small = quotas(0.001, 1);
  EXPECT_TRUE(limiter.admit("alice", small).permit);
  EXPECT_FALSE(limiter.admit("alice", small).permit);
}

TEST(RateLimiter, ConcurrentAdmissionsNeverExceedTheLimit) {
  RateLimiter limiter;
  Quotas q = quotas(1e9, 1'000'000'000, 5);
  std::atomic<int> admitted{0};
  std::vector<std::vector<CallPermit>> held(4);
  {
    std::vector<std::jthread> threads;
    for (auto& mine : held) {
      threads.emplace_back([&, out = &mine] {
        for (int i = 0; i < 1000; ++i) {
          auto a = limiter.admit("alice", q);
          if (!a.permit) continue;
          admitted.fetch_add(1);
          out->push_back(std::move(a.permit));  // held to the end: no slot comes back
        }
      });
    }
  }
  EXPECT_EQ(admitted.load(), 5);
  EXPECT_EQ(limiter.in_flight("alice"), 5u);
  held.clear();
  EXPECT_EQ(limiter.in_flight("alice"), 0u);
}

}  // namespace
}  // namespace wasmlet::auth
