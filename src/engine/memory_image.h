#pragma once
// A linear memory frozen into a memfd, and restored copy-on-write: mapping the image
// MAP_PRIVATE|MAP_FIXED over a memory's reservation replaces whatever the memory held with the
// image's pages, shared with every other memory restored from it until written.
#include <wasm-rt.h>

#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

#include "util/files.h"

namespace wasmlet::engine {

class MemoryImage {
 public:
  // What a memory restored from an image remembers between resets so that each reset sees only
  // the pages written since the last one: its reservation is registered with the process's
  // userfaultfd in asynchronous write-protect mode (a write clears a page's protection in the
  // kernel, nothing waits), and it knows which pages it keeps private. Its owner keeps it for
  // as long as the memory; where userfaultfd is unavailable (or WASMLET_UFFD=0) it stays unarmed
  // and resets scan every private page instead.
  class Tracking {
   public:
    Tracking() = default;

   private:
    friend class MemoryImage;
    // Registers the reservation at `data` and write-protects its first `protect` bytes (the
    // image, once its written pages are reverted); `armed_` says whether that worked.
    void arm(uint8_t* data, size_t protect);
    // Reverts the pages of [data + from, data + to) written since the last reset (see
    // MemoryImage::restore), from `image` (zeros when null: grown memory), keeping at most
    // `keep` pages private in all; then protects them again. False when the kernel refuses.
    bool revert(uint8_t* data, size_t from, size_t to, const uint8_t* image, size_t keep);
    // Drops kept pages past the first `keep` (the budget shrank).
    bool drop_kept_beyond(uint8_t* data, size_t keep);
    // The pages of [from, to) (byte offsets) are kept private / are the image's again, or gone.
    void note_kept(size_t from, size_t to);
    void forget(size_t from, size_t to);

    bool armed_ = false;
    std::vector<bool> kept_;  // per 4 KiB page from the memory's start: a private copy kept
    size_t kept_count_ = 0;
  };

  // Copies the memory's current pages (all-zero 4 KiB pages are left as holes).
  static MemoryImage capture(const wasm_rt_memory_t& memory);

  // Makes `memory` hold exactly the image: same size, same bytes, nothing it held before.
  // `mapped`: the memory already maps this image (it was restored from it before), so only
  // the pages written since need reverting; up to `keep_pages` of them are reverted by copying
  // and stay private (no page faults when written again), the rest are dropped. `tracking`:
  // the memory's own, passed to every restore, or none (every private page is scanned). Throws
  // Error when the kernel refuses the mapping.
  void restore(wasm_rt_memory_t& memory, bool mapped = false, size_t keep_pages = 0,
               Tracking* tracking = nullptr) const;

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
