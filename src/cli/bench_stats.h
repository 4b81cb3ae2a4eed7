#pragma once
// What `wasmlet bench` reports of a cell's latencies: percentiles and a downsampled CDF.
#include <cstddef>
#include <utility>
#include <vector>

namespace wasmlet::cli {

struct LatencySummary {
  double p50 = 0, p90 = 0, p99 = 0, max = 0, mean = 0;  // microseconds
};

// Nearest-rank percentiles of `sorted` (ascending); all zero when empty.
LatencySummary summarize(const std::vector<double>& sorted);

// Points (latency, fraction of values <= latency) of the empirical CDF of `sorted`, at most
// `max_points` of them, evenly spaced in rank; the last is (max, 1).
std::vector<std::pair<double, double>> cdf_points(const std::vector<double>& sorted,
                                                  size_t max_points = 200);

}  // namespace wasmlet::cli
