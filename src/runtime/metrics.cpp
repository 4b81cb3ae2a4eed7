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
  return s;
}

}  // namespace wasmlet::runtime
