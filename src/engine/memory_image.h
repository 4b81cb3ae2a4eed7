#pragma once
// A linear memory frozen into a memfd, and restored copy-on-write: mapping the image
// MAP_PRIVATE|MAP_FIXED over a memory's reservation replaces whatever the memory held with the
// image's pages, shared with every other memory restored from it until written.
#include <wasm-rt.h>

#include <cstdint>

#include "util/files.h"

namespace wasmlet::engine {

class MemoryImage {
 public:
  // Copies the memory's current pages (all-zero 4 KiB pages are left as holes).
  static MemoryImage capture(const wasm_rt_memory_t& memory);

  // Makes `memory` hold exactly the image: same size, same bytes, nothing it held before.
  // Throws Error when the kernel refuses the mapping.
  void restore(wasm_rt_memory_t& memory) const;

  uint32_t pages() const { return pages_; }

 private:
  MemoryImage(util::UniqueFd fd, uint32_t pages) : fd_(std::move(fd)), pages_(pages) {}
  util::UniqueFd fd_;
  uint32_t pages_ = 0;
};

}  // namespace wasmlet::engine
