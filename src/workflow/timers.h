#pragma once
// One thread that runs callbacks after delays: Wait states, Retry intervals, runs' time limits.
// Callbacks run on that thread, one at a time, without the timers' lock held, so a callback may
// add timers. Destroying the Timers stops the thread after the callback running (if any);
// pending callbacks are dropped without running. Thread-safe.
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <thread>
#include <utility>

#include "util/mutex.h"

namespace wasmlet::workflow {

class Timers {
 public:
  Timers();
  Timers(const Timers&) = delete;
  Timers& operator=(const Timers&) = delete;
  ~Timers();

  // Runs `fn` once `delay` has passed (at once, on the timers' thread, for zero or less). `fn`
  // must not throw: nothing on the timers' thread could answer for it.
  void after(std::chrono::nanoseconds delay, std::function<void()> fn);
  // Callbacks waiting to run.
  size_t pending() const;

 private:
  using Clock = std::chrono::steady_clock;
  void loop();

  mutable util::Mutex mutex_;
  util::CondVar changed_;
  // Keyed by due time, then by a sequence number so that equal times keep their order.
  std::map<std::pair<Clock::time_point, uint64_t>, std::function<void()>> due_ GUARDED_BY(mutex_);
  uint64_t sequence_ GUARDED_BY(mutex_) = 0;
  bool stopping_ GUARDED_BY(mutex_) = false;
  std::thread thread_;  // last: started once the rest exists
};

}  // namespace wasmlet::workflow
