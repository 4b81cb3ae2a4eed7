#include "engine/memory_registry.h"

#include <array>
#include <atomic>

namespace wasmlet::engine {
namespace {

// 48-bit address space / 8 GiB per memory bounds the number of live memories well below this.
constexpr size_t kSlots = 32768;
std::array<std::atomic<uintptr_t>, kSlots> g_bases{};
std::atomic<size_t> g_high_water{0};

}  // namespace

bool memory_registry_add(uintptr_t base) {
  for (size_t i = 0; i < kSlots; ++i) {
    uintptr_t expected = 0;
    if (g_bases[i].compare_exchange_strong(expected, base, std::memory_order_acq_rel)) {
      size_t hw = g_high_water.load(std::memory_order_relaxed);
      while (hw < i + 1 && !g_high_water.compare_exchange_weak(hw, i + 1)) {
      }
      return true;
    }
  }
  return false;
}

void memory_registry_remove(uintptr_t base) {
  size_t hw = g_high_water.load(std::memory_order_acquire);
  for (size_t i = 0; i < hw; ++i) {
    uintptr_t expected = base;
    if (g_bases[i].compare_exchange_strong(expected, 0, std::memory_order_acq_rel)) return;
  }
}

bool memory_registry_contains(uintptr_t addr) {
  size_t hw = g_high_water.load(std::memory_order_acquire);
  for (size_t i = 0; i < hw; ++i) {
    uintptr_t base = g_bases[i].load(std::memory_order_relaxed);
    if (base != 0 && addr >= base && addr - base < kMemoryReservation) return true;
  }
  return false;
}

}  // namespace wasmlet::engine
