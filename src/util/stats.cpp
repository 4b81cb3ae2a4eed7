#include "util/stats.h"

#include <algorithm>
#include <cmath>

namespace wasmlet::util {
namespace {

// `sorted` is non-empty and in ascending order.
double rank(const std::vector<double>& sorted, double p) {
  auto r = static_cast<size_t>(std::ceil(p * static_cast<double>(sorted.size())));
  return sorted[std::clamp<size_t>(r, 1, sorted.size()) - 1];
}

}  // namespace

double percentile(std::vector<double> sample, double p) {
  if (sample.empty()) return 0;
  std::sort(sample.begin(), sample.end());
  return rank(sample, p);
}

Stats stats_of(std::vector<double> sample) {
  if (sample.empty()) return {};
  std::sort(sample.begin(), sample.end());
  return {rank(sample, 0.5), rank(sample, 0.99), sample.size()};
}

}  // namespace wasmlet::util
