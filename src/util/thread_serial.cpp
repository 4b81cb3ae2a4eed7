#include "util/thread_serial.h"

#include <atomic>

namespace wasmlet::util {

uint64_t this_thread_serial() {
  static std::atomic<uint64_t> next{1};
  thread_local const uint64_t self = next.fetch_add(1, std::memory_order_relaxed);
  return self;
}

}  // namespace wasmlet::util
