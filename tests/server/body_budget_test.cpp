#include "server/body_budget.h"

#include <gtest/gtest.h>

#include <thread>
#include <utility>
#include <vector>

namespace wasmlet::server {
namespace {

TEST(BodyBudget, LeasesGrowWithinTheBudgetAndGiveBackWhenDone) {
  BodyBudget budget(1000);
  {
    BodyBudget::Lease a(budget), b(budget);
    EXPECT_TRUE(a.grow_to(600));
    EXPECT_TRUE(a.grow_to(300));  // never shrinks: what it holds stays held
    EXPECT_EQ(a.bytes(), 600u);
    EXPECT_FALSE(b.grow_to(401));
    EXPECT_EQ(b.bytes(), 0u);
    EXPECT_TRUE(b.grow_to(400));
    EXPECT_EQ(budget.in_use(), 1000u);
    a.reset();
    EXPECT_EQ(budget.in_use(), 400u);
    EXPECT_TRUE(b.grow_to(1000));
  }
  EXPECT_EQ(budget.in_use(), 0u);
}

TEST(BodyBudget, AMovedLeaseIsGivenBackOnce) {
  BodyBudget budget(100);
  BodyBudget::Lease a(budget);
  ASSERT_TRUE(a.grow_to(70));
  BodyBudget::Lease b = std::move(a);
  EXPECT_EQ(b.bytes(), 70u);
  a.reset();
  EXPECT_EQ(budget.in_use(), 70u);
  BodyBudget::Lease c(budget);
  ASSERT_TRUE(c.grow_to(30));
  c = std::move(b);  // c's own 30 go back first
  EXPECT_EQ(budget.in_use(), 70u);
  c.reset();
  EXPECT_EQ(budget.in_use(), 0u);
  EXPECT_FALSE(BodyBudget::Lease().grow_to(1));  // no budget, nothing to take from
}

TEST(BodyBudget, ConcurrentLeasesNeverPassTheBudget) {
  BodyBudget budget(64 * 1000);
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 20'000; ++i) {
        BodyBudget::Lease lease(budget);
        for (size_t bytes = 1000; bytes <= 16'000; bytes += 5000) {
          if (!lease.grow_to(bytes)) break;
          EXPECT_LE(budget.in_use(), budget.max_bytes());
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(budget.in_use(), 0u);
}

}  // namespace
}  // namespace wasmlet::server
