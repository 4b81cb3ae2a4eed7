#pragma once
// std::mutex with clang's thread-safety annotations, so that data marked GUARDED_BY(mutex) is
// checked to be touched only with the mutex held (see thread_annotations.h).
#include <chrono>
#include <condition_variable>
#include <mutex>

#include "util/thread_annotations.h"

namespace wasmlet::util {

class CAPABILITY("mutex") Mutex {
 public:
  void lock() ACQUIRE() { mutex_.lock(); }
  void unlock() RELEASE() { mutex_.unlock(); }

 private:
  friend class UniqueLock;
  std::mutex mutex_;
};

// Holds a Mutex for its scope (std::lock_guard carries no annotations).
class SCOPED_CAPABILITY MutexLock {
 public:
  explicit MutexLock(Mutex& mutex) ACQUIRE(mutex) : mutex_(mutex) { mutex_.lock(); }
  ~MutexLock() RELEASE() { mutex_.unlock(); }
  MutexLock(const MutexLock&) = delete;
  MutexLock& operator=(const MutexLock&) = delete;

 private:
  Mutex& mutex_;
};

// Holds a Mutex for its scope, may let it go early, and is what a CondVar waits with.
class SCOPED_CAPABILITY UniqueLock {
 public:
  explicit UniqueLock(Mutex& mutex) ACQUIRE(mutex) : lock_(mutex.mutex_) {}
  ~UniqueLock() RELEASE() {}
  UniqueLock(const UniqueLock&) = delete;
  UniqueLock& operator=(const UniqueLock&) = delete;
  void unlock() RELEASE() { lock_.unlock(); }
  void lock() ACQUIRE() { lock_.lock(); }

 private:
  friend class CondVar;
  std::unique_lock<std::mutex> lock_;
};

// std::condition_variable for a UniqueLock. Waits are written as loops around wait(), so the
// condition is read where the analysis knows the mutex is held (a predicate lambda would be
// analysed as a function of its own, holding nothing).
class CondVar {
 public:
  // Releases the lock while blocked; holds it again on return, which may be spurious.
  void wait(UniqueLock& lock) { cv_.wait(lock.lock_); }
  template <class Rep, class Period>
  void wait_for(UniqueLock& lock, std::chrono::duration<Rep, Period> limit) {
    cv_.wait_for(lock.lock_, limit);
  }
  void notify_one() noexcept { cv_.notify_one(); }
  void notify_all() noexcept { cv_.notify_all(); }

 private:
  std::condition_variable cv_;
};

}  // namespace wasmlet::util
