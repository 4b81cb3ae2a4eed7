#include <gtest/gtest.h>

#include <array>
#include <vector>

#include "runtime/metrics.h"

namespace wasmlet::runtime {
namespace {

constexpr std::array<double, 3> kQuantiles = {0.5, 0.99, 1.0};

TEST(LatencyWindowTest, NothingObservedGivesZeros) {
  LatencyWindow w;
  EXPECT_EQ(w.quantiles_us(kQuantiles), (std::vector<double>{0, 0, 0}));
}

TEST(LatencyWindowTest, NearestRankOverTheCallsSeen) {
  LatencyWindow w;
  for (int us = 100; us >= 1; --us) w.observe(us * 1e-6);
  EXPECT_EQ(w.quantiles_us(kQuantiles), (std::vector<double>{50, 99, 100}));
}

TEST(LatencyWindowTest, KeepsOnlyTheLatestCalls) {
  LatencyWindow w;
  for (size_t i = 0; i < LatencyWindow::kSize; ++i) w.observe(1.0);   // 1 s each, then...
  for (size_t i = 0; i < LatencyWindow::kSize; ++i) w.observe(2e-6);  // ...all replaced
  EXPECT_EQ(w.quantiles_us(kQuantiles), (std::vector<double>{2, 2, 2}));
}

TEST(LatencyWindowTest, ClampsWhatDoesNotFit) {
  LatencyWindow w;
  w.observe(-1);
  w.observe(1e9);  // over 4294 s: held at the largest microseconds a slot keeps
  EXPECT_EQ(w.quantiles_us(kQuantiles), (std::vector<double>{0, 4294967295.0, 4294967295.0}));
}

}  // namespace
}  // namespace wasmlet::runtime
