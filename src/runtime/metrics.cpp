#include "runtime/metrics.h"

#include "runtime/call_record.h"

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

void Metrics::record_call(const std::string& function, const std::string& outcome, double seconds) {
  util::MutexLock lock(mutex_);
  ++invocations_[{function, outcome}];
  latency_[function].observe(seconds);
}

void Metrics::record_compile(double seconds) {
  util::MutexLock lock(mutex_);
  compile_.observe(seconds);
}

MetricsSnapshot Metrics::snapshot() const {
  MetricsSnapshot s;
  {
    util::MutexLock lock(mutex_);
    s.invocations = invocations_;
    s.latency = latency_;
    s.compile_seconds = compile_;
  }
  s.restores = restores_.load(std::memory_order_relaxed);
  s.snapshots = snapshots_.load(std::memory_order_relaxed);
  s.rejected = rejected_.load(std::memory_order_relaxed);
  s.inline_calls = inline_.load(std::memory_order_relaxed);
  return s;
}

}  // namespace wasmlet::runtime
