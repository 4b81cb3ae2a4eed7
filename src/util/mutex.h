#pragma once
// std::mutex with clang's thread-safety annotations, so that data marked GUARDED_BY(mutex) is
// checked to be touched only with the mutex held (see thread_annotations.h).
#include <mutex>

#include "util/thread_annotations.h"

namespace wasmlet::util {

class CAPABILITY("mutex") Mutex {
 public:
  void lock() ACQUIRE() { mutex_.lock(); }
  void unlock() RELEASE() { mutex_.unlock(); }

 private:
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

}  // namespace wasmlet::util
