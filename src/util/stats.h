#pragma once
// Nearest-rank percentiles of a sample, for the figures the `wasmlet run --repeat` command and
// the benchmarks print: one definition so that their medians and p99s mean the same thing.
#include <cstddef>
#include <vector>

namespace wasmlet::util {

struct Stats {
  double median = 0, p99 = 0;
  size_t n = 0;
};

// The nearest-rank p-th percentile (0 < p <= 1) of `sample`; 0 for an empty one.
double percentile(std::vector<double> sample, double p);
// The same of a sample already in ascending order (no copy, no sort).
double sorted_percentile(const std::vector<double>& sorted, double p);
// Median and p99 of `sample`; all zero for an empty one.
Stats stats_of(std::vector<double> sample);

}  // namespace wasmlet::util
