#include "cli/bench_stats.h"

#include <algorithm>
#include <numeric>

#include "util/stats.h"

namespace wasmlet::cli {

LatencySummary summarize(const std::vector<double>& sorted) {
  LatencySummary s;
  if (sorted.empty()) return s;
  s.p50 = util::sorted_percentile(sorted, 0.50);
  s.p90 = util::sorted_percentile(sorted, 0.90);
  s.p99 = util::sorted_percentile(sorted, 0.99);
  s.max = sorted.back();
  s.mean = std::accumulate(sorted.begin(), sorted.end(), 0.0) / static_cast<double>(sorted.size());
  return s;
}

std::vector<std::pair<double, double>> cdf_points(const std::vector<double>& sorted,
                                                  size_t max_points) {
  std::vector<std::pair<double, double>> out;
  size_t n = sorted.size();
  if (n == 0 || max_points == 0) return out;
  size_t points = std::min(n, max_points);
  out.reserve(points);
  for (size_t i = 1; i <= points; ++i) {
    // The i-th of `points` evenly spaced ranks, the last one being n.
    size_t rank = (i * n + points - 1) / points;
    out.emplace_back(sorted[rank - 1], static_cast<double>(rank) / static_cast<double>(n));
  }
  return out;
}

}  // namespace wasmlet::cli
