#include "workflow/timers.h"

namespace wasmlet::workflow {

Timers::Timers() : thread_([this] { loop(); }) {}

Timers::~Timers() {
  {
    util::MutexLock lock(mutex_);
    stopping_ = true;
  }
  changed_.notify_all();
  thread_.join();
}

void Timers::after(std::chrono::nanoseconds delay, std::function<void()> fn) {
  {
    util::MutexLock lock(mutex_);
    due_.emplace(std::pair{Clock::now() + delay, sequence_++}, std::move(fn));
  }
  changed_.notify_all();
}

size_t Timers::pending() const {
  util::MutexLock lock(mutex_);
  return due_.size();
}

void Timers::loop() {
  util::UniqueLock lock(mutex_);
  while (!stopping_) {
    if (due_.empty()) {
      changed_.wait(lock);
      continue;
    }
    auto first = due_.begin();
    auto now = Clock::now();
    if (first->first.first > now) {
      changed_.wait_for(lock, first->first.first - now);
      continue;
    }
    auto fn = std::move(first->second);
    due_.erase(first);
    lock.unlock();
    fn();
    lock.lock();
  }
}

}  // namespace wasmlet::workflow
