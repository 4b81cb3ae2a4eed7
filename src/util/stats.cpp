#include "util/stats.h"

#include <algorithm>
#include <cmath>

namespace wasmlet::util {

double sorted_percentile(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  auto r = static_cast<size_t>(std::ceil(std::clamp(p, 0.0, 1.0) * double(sorted.size())));
  return sorted[std::clamp<size_t>(r, 1, sorted.size()) - 1];
}

double percentile(std::vector<double> sample, double p) {
  std::sort(sample.begin(), sample.end());
  return sorted_percentile(sample, p);
}

Stats stats_of(std::vector<double> sample) {
  if (sample.empty()) return {};
  std::sort(sample.begin(), sample.end());
  return {sorted_percentile(sample, 0.5), sorted_percentile(sample, 0.99), sample.size()};
}

}  // namespace wasmlet::util
