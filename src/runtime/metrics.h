#pragma once
// Counters the runtime keeps for /metrics: invocations by function and outcome, latency
// histograms, restores, compile times, queue depth and live Faaslets.
#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/function_id.h"
#include "util/mutex.h"

namespace wasmlet::runtime {

// Fixed buckets, in seconds: 10 us .. 10 s.
inline constexpr std::array<double, 13> kLatencyBuckets = {
    1e-5, 2.5e-5, 5e-5, 1e-4, 2.5e-4, 5e-4, 1e-3, 5e-3, 1e-2, 5e-2, 0.1, 1, 10};

struct Histogram {
  std::array<uint64_t, kLatencyBuckets.size()> buckets{};  // cumulative when rendered
  uint64_t count = 0;
  double sum = 0;
  void observe(double seconds);
};

// A Histogram that threads update without a lock. The count is raised before a bucket and read
// after the buckets, so a reader never sees buckets adding up to more than the count.
class AtomicHistogram {
 public:
  void observe(double seconds);
  Histogram load() const;

 private:
  std::array<std::atomic<uint64_t>, kLatencyBuckets.size()> buckets_{};
  std::atomic<uint64_t> count_{0};
  std::atomic<double> sum_{0};
};

// The latencies of a function's most recent calls, for percentiles (the histogram's buckets are
// too coarse for a p50). Writers never wait; a reader may see a slot as it is replaced.
class LatencyWindow {
 public:
  static constexpr size_t kSize = 1024;
  void observe(double seconds);
  // Microseconds at each quantile in `q` (0..1, nearest rank) over the window; zeros when no
  // call was observed.
  std::vector<double> quantiles_us(std::span<const double> q) const;

 private:
  std::array<std::atomic<uint32_t>, kSize> us_{};
  std::atomic<uint64_t> next_{0};
};

// One function's finished calls by outcome, and their latency. The threads that finish its calls
// update it with atomics: no lock shared with other functions, no lookup by name per call.
class FunctionMetrics {
 public:
  // `outcome`: "success", "failure" or an error kind.
  void record_call(std::string_view outcome, double seconds);
  void record_restores(uint64_t n) { restores_.fetch_add(n, std::memory_order_relaxed); }
  // Around a call's run in a Faaslet of this function.
  void started() { running_.fetch_add(1, std::memory_order_relaxed); }
  void finished() { running_.fetch_sub(1, std::memory_order_relaxed); }

 private:
  friend class Metrics;
  std::atomic<uint64_t> successes_{0}, failures_{0}, restores_{0};
  std::atomic<uint64_t> running_{0};
  AtomicHistogram latency_;
  LatencyWindow recent_;
  mutable util::Mutex mutex_;  // error kinds: rare, and open-ended
  std::map<std::string, uint64_t, std::less<>> errors_ GUARDED_BY(mutex_);
};

struct MetricsSnapshot {
  // (user/function, outcome) -> count; outcome is "success", "failure" or an error kind.
  std::map<std::pair<std::string, std::string>, uint64_t> invocations;
  std::map<std::string, Histogram> latency;  // per function, end to end
  Histogram compile_seconds;
  uint64_t restores = 0;       // Faaslets created from a Proto-Faaslet
  uint64_t snapshots = 0;      // Proto-Faaslets created
  uint64_t rejected = 0;       // calls refused because the queue was full
  uint64_t inline_calls = 0;   // calls run on their caller's thread (Runtime::try_run_inline)
  uint64_t handed_resets = 0;  // Faaslet resets handed to an idle executor (finish_reset)
  uint64_t queue_depth = 0;
  uint64_t queue_bytes = 0;  // the queued calls' inputs
  uint64_t running = 0;
  uint64_t live_faaslets = 0;  // idle in pools plus running
};

// One function's figures for a console: counts since the server started, percentiles over its
// last LatencyWindow::kSize calls.
struct FunctionStats {
  FunctionId id;
  uint64_t calls = 0, failures = 0, restores = 0, running = 0;
  // Filled in by the runtime: idle in its pool plus running, and whether the pool exists (the
  // next call restores a Proto-Faaslet rather than building one).
  uint64_t live_faaslets = 0;
  bool warm = false;
  double p50_us = 0, p99_us = 0;
};

class Metrics {
 public:
  // The function's counters, made on first use. The reference stays valid for the life of this
  // object (counters are never dropped, as Prometheus counters must not go back), so a loaded
  // function keeps it and its calls skip this lookup.
  FunctionMetrics& function(const FunctionId& id);
  void record_compile(double seconds);
  void record_restores(uint64_t n) { restores_.fetch_add(n, std::memory_order_relaxed); }
  void record_snapshot() { snapshots_.fetch_add(1, std::memory_order_relaxed); }
  void record_rejected() { rejected_.fetch_add(1, std::memory_order_relaxed); }
  void record_inline() { inline_.fetch_add(1, std::memory_order_relaxed); }
  void record_handed_reset() { handed_resets_.fetch_add(1, std::memory_order_relaxed); }
  // Gauges are sampled by the runtime when a snapshot is taken.
  MetricsSnapshot snapshot() const;
  // The functions `include` accepts that have run or are running.
  std::vector<FunctionStats> function_stats(
      const std::function<bool(const FunctionId&)>& include) const;

 private:
  mutable util::Mutex mutex_;
  std::map<FunctionId, FunctionMetrics> functions_ GUARDED_BY(mutex_);  // nodes never move
  Histogram compile_ GUARDED_BY(mutex_);
  std::atomic<uint64_t> restores_{0}, snapshots_{0}, rejected_{0}, inline_{0}, handed_resets_{0};
};

}  // namespace wasmlet::runtime
