#include "runtime/metrics.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "runtime/call_record.h"
#include "util/stats.h"

namespace wasmlet::runtime {

std::string_view call_status_name(CallStatus s) {
  switch (s) {
    case CallStatus::Queued:
      return "queued";
    case CallStatus::Running:
      return "running";
    case CallStatus::Succeeded:
      return "succeeded";
    case CallStatus::Failed:
      return "failed";
  }
  return "unknown";
}

void Histogram::observe(double seconds) {
  for (size_t i = 0; i < kLatencyBuckets.size(); ++i) {
    if (seconds <= kLatencyBuckets[i]) {
      ++buckets[i];
      break;
    }
  }
  ++count;
  sum += seconds;
}

void AtomicHistogram::observe(double seconds) {
  count_.fetch_add(1);
  for (size_t i = 0; i < kLatencyBuckets.size(); ++i) {
    if (seconds <= kLatencyBuckets[i]) {
      buckets_[i].fetch_add(1);
      break;
    }
  }
  sum_.fetch_add(seconds, std::memory_order_relaxed);
}

Histogram AtomicHistogram::load() const {
  Histogram h;
  for (size_t i = 0; i < kLatencyBuckets.size(); ++i) h.buckets[i] = buckets_[i].load();
  h.count = count_.load();
  h.sum = sum_.load(std::memory_order_relaxed);
  return h;
}

void LatencyWindow::observe(double seconds) {
  double us = std::clamp(seconds * 1e6, 0.0, double(std::numeric_limits<uint32_t>::max()));
  uint64_t slot = next_.fetch_add(1, std::memory_order_relaxed) % kSize;
  us_[slot].store(static_cast<uint32_t>(std::lround(us)), std::memory_order_relaxed);
}

std::vector<double> LatencyWindow::quantiles_us(std::span<const double> q) const {
  std::vector<double> out(q.size(), 0.0);
  size_t n = std::min<uint64_t>(next_.load(std::memory_order_relaxed), kSize);
  if (n == 0) return out;
  std::vector<double> sorted(n);
  for (size_t i = 0; i < n; ++i) sorted[i] = us_[i].load(std::memory_order_relaxed);
  std::sort(sorted.begin(), sorted.end());
  for (size_t i = 0; i < q.size(); ++i) out[i] = util::sorted_percentile(sorted, q[i]);
  return out;
}

void FunctionMetrics::record_call(std::string_view outcome, double seconds) {
  if (outcome == "success") {
    successes_.fetch_add(1, std::memory_order_relaxed);
  } else if (outcome == "failure") {
    failures_.fetch_add(1, std::memory_order_relaxed);
  } else {
    util::MutexLock lock(mutex_);
    auto it = errors_.find(outcome);
    if (it == errors_.end()) it = errors_.emplace(std::string(outcome), 0).first;
    ++it->second;
  }
  latency_.observe(seconds);
  recent_.observe(seconds);
}

FunctionMetrics& Metrics::function(const FunctionId& id) {
  util::MutexLock lock(mutex_);
  return functions_.try_emplace(id).first->second;
}

void Metrics::record_compile(double seconds) {
  util::MutexLock lock(mutex_);
  compile_.observe(seconds);
}

MetricsSnapshot Metrics::snapshot() const {
  MetricsSnapshot s;
  {
    util::MutexLock lock(mutex_);
    for (const auto& [id, f] : functions_) {
      // Listed once a call of it has finished, not when it is merely loaded.
      Histogram latency = f.latency_.load();
      if (latency.count == 0) continue;
      std::string name = id.str();
      if (uint64_t n = f.successes_.load(std::memory_order_relaxed)) {
        s.invocations[{name, "success"}] = n;
      }
      if (uint64_t n = f.failures_.load(std::memory_order_relaxed)) {
        s.invocations[{name, "failure"}] = n;
      }
      {
        util::MutexLock errors_lock(f.mutex_);
        for (const auto& [kind, n] : f.errors_) s.invocations[{name, kind}] = n;
      }
      s.latency.emplace(std::move(name), latency);
    }
    s.compile_seconds = compile_;
  }
  s.restores = restores_.load(std::memory_order_relaxed);
  s.snapshots = snapshots_.load(std::memory_order_relaxed);
  s.rejected = rejected_.load(std::memory_order_relaxed);
  s.inline_calls = inline_.load(std::memory_order_relaxed);
  s.handed_resets = handed_resets_.load(std::memory_order_relaxed);
  return s;
}

std::vector<FunctionStats> Metrics::function_stats(
    const std::function<bool(const FunctionId&)>& include) const {
  std::vector<std::pair<FunctionId, const FunctionMetrics*>> chosen;
  {
    util::MutexLock lock(mutex_);
    for (const auto& entry : functions_) {
      if (include(entry.first)) chosen.emplace_back(entry.first, &entry.second);
    }
  }
  // Sorting the windows happens outside the lock that new functions take.
  std::vector<FunctionStats> out;
  constexpr std::array<double, 2> kQuantiles = {0.5, 0.99};
  for (auto& [id, f] : chosen) {
    FunctionStats s;
    s.id = std::move(id);
    uint64_t errors = 0;
    {
      util::MutexLock errors_lock(f->mutex_);
      for (const auto& entry : f->errors_) errors += entry.second;
    }
    s.failures = f->failures_.load(std::memory_order_relaxed) + errors;
    s.calls = f->successes_.load(std::memory_order_relaxed) + s.failures;
    s.restores = f->restores_.load(std::memory_order_relaxed);
    s.running = f->running_.load(std::memory_order_relaxed);
    if (s.calls == 0 && s.running == 0) continue;
    auto q = f->recent_.quantiles_us(kQuantiles);
    s.p50_us = q[0];
    s.p99_us = q[1];
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace wasmlet::runtime
