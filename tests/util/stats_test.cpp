// util/stats: nearest-rank percentiles, as `wasmlet run --repeat` and the benchmarks print them.
#include "util/stats.h"

#include <gtest/gtest.h>

#include <vector>

namespace wasmlet {
namespace {

TEST(Stats, NearestRankPercentiles) {
  std::vector<double> hundred;
  for (int i = 100; i >= 1; --i) hundred.push_back(i);  // unsorted on purpose
  struct Case {
    std::vector<double> sample;
    double p, expected;
  };
  const Case cases[] = {
      {{}, 0.5, 0},
      {{7}, 0.5, 7},
      {{7}, 0.99, 7},
      {{3, 1, 2}, 0.5, 2},
      {{1, 2, 3, 4}, 0.5, 2},  // the lower middle: the rank is ceil(0.5 * 4) = 2
      {{1, 2, 3, 4}, 0.75, 3},
      {{1, 2, 3, 4}, 1.0, 4},
      {{1, 2, 3, 4}, 0.01, 1},  // never below the first rank
      {hundred, 0.5, 50},
      {hundred, 0.99, 99},
      {hundred, 1.0, 100},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(util::percentile(c.sample, c.p), c.expected)
        << c.sample.size() << " values, p = " << c.p;
  }
}

TEST(Stats, StatsOfGivesMedianP99AndCount) {
  std::vector<double> sample;
  for (int i = 1; i <= 200; ++i) sample.push_back(i);
  util::Stats s = util::stats_of(sample);
  EXPECT_EQ(s.median, 100);
  EXPECT_EQ(s.p99, 198);
  EXPECT_EQ(s.n, 200u);
  util::Stats none = util::stats_of({});
  EXPECT_EQ(none.n, 0u);
  EXPECT_EQ(none.median, 0);
  EXPECT_EQ(none.p99, 0);
}

}  // namespace
}  // namespace wasmlet
