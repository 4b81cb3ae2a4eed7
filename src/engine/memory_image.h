#pragma once
// A linear memory frozen into a memfd, and restored copy-on-write: mapping the image
// MAP_PRIVATE|MAP_FIXED over a memory's reservation replaces whatever the memory held with the
// image's pages, shared with every other memory restored from it until written.
#include <wasm-rt.h>

#include <cstddef>
#include <cstdint>
#include <utility>

#include "util/files.h"

namespace wasmlet::engine {

class MemoryImage {
 public:
  // Copies the memory's current pages (all-zero 4 KiB pages are left as holes).
  static MemoryImage capture(const wasm_rt_memory_t& memory);

  // Makes `memory` hold exactly the image: same size, same bytes, nothing it held before.
  // `mapped`: the memory already maps this image (it was restored from it before), so only
  // the pages written since need reverting; up to `keep_pages` of them are reverted by copying
  // and stay private (no page faults when written again), the rest are dropped. Throws Error
  // when the kernel refuses the mapping.
  void restore(wasm_rt_memory_t& memory, bool mapped = false, size_t keep_pages = 0) const;

  uint32_t pages() const { return pages_; }

 private:
  // A read-only view of the image, unmapped on destruction: what written pages are reverted
  // from.
  struct View {
    const uint8_t* data = nullptr;
    size_t size = 0;
    View() = default;
    View(const uint8_t* d, size_t n) : data(d), size(n) {}
    View(View&& o) noexcept : data(std::exchange(o.data, nullptr)), size(o.size) {}
    View& operator=(View&& o) noexcept;
    ~View();
  };
  MemoryImage(util::UniqueFd fd, uint32_t pages, View view)
      : fd_(std::move(fd)), pages_(pages), view_(std::move(view)) {}
  util::UniqueFd fd_;
  uint32_t pages_ = 0;
  View view_;
};

}  // namespace wasmlet::engine
