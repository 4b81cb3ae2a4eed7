#pragma once
#include <cstdint>

namespace wasmlet::engine {

// Caps the pages of every memory the current thread allocates while the scope lives (that is,
// during instantiation). A module asking for more initial pages traps with MemoryLimit; its
// maximum is lowered to the cap, so memory.grow past it returns -1.
class MemoryLimitScope {
 public:
  explicit MemoryLimitScope(uint32_t pages);
  MemoryLimitScope(const MemoryLimitScope&) = delete;
  MemoryLimitScope& operator=(const MemoryLimitScope&) = delete;
  ~MemoryLimitScope();

 private:
  uint32_t saved_;
};

}  // namespace wasmlet::engine
