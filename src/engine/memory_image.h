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
  // For each page of an untracked memory's image: the reset that last gave it back for
  // holding the image's bytes, or kRewritten for a page that calls rewrite with those bytes.
  struct GiveBacks {
    static constexpr uint32_t kRewritten = UINT32_MAX;
    // Resets so far, plus one: page entries start at 0, "never". Wrapping after 2^32 resets
    // costs at most a page kept or given back once more.
    uint32_t reset = 1;
    std::vector<uint32_t> at;
    uint32_t* last(size_t page) {
      if (page >= at.size()) at.resize(page + 1, 0);
      return &at[page];
    }
  };

  // The pages of an untracked memory that its last reset kept private, as runs of
  // [first page, first page + count), and the page faults its thread had taken when that reset
  // began: while that count stands, those are still the only private pages.
  struct KeptPages {
    uint64_t thread = 0;  // the thread's serial; 0: unknown
    long faults = -1;
    uint32_t shortcuts = 0;  // resets that used this record
    std::vector<std::pair<uint32_t, uint32_t>> runs;
    std::vector<std::pair<uint32_t, uint32_t>> last_runs;  // the reset's scratch
    void add(uint32_t page) {
      if (!runs.empty() && runs.back().first + runs.back().second == page) {
        ++runs.back().second;
      } else {
        runs.emplace_back(page, 1);
      }
    }
  };

  // Whether a memory restored from an image has its writes tracked: its reservation is
  // registered with the process's userfaultfd in asynchronous write-protect mode (a write clears
  // a page's protection in the kernel, nothing waits), and every page but the private copies
  // a reset keeps is protected, so that a reset finds the pages to revert from the protection
  // bits alone instead of looking up every page's backing. Its owner keeps it for as long as
  // the memory. Not every memory is worth it (see restore); where userfaultfd is unavailable (or
  // WASMLET_UFFD=0) none is tracked.
  class Tracking {
   public:
    Tracking() = default;

   private:
    friend class MemoryImage;
    enum class State { kUndecided, kArmed, kDeclined };
    // Registers the reservation at `data` and write-protects its first `protect` bytes but
    // for the private copies: armed, or declined when the kernel refuses.
    void arm(uint8_t* data, size_t protect);
    State state_ = State::kUndecided;
    GiveBacks give_backs_;
    KeptPages kept_;
    // Bytes from the image's end that the resets kept resident and zeroed, untracked.
    size_t grown_run_ = 0;
  };

  // Whether this process can track writes (userfaultfd with async write-protection, allowed
  // and not turned off).
  static bool tracks_writes();

  // Copies the memory's current pages (all-zero 4 KiB pages are left as holes).
  static MemoryImage capture(const wasm_rt_memory_t& memory);

  // Makes `memory` hold exactly the image: same size, same bytes, nothing it held before.
  // `mapped`: the memory already maps this image (it was restored from it before), so only
  // the pages written since need reverting; up to `keep_pages` of them are reverted by copying
  // and stay private (no page faults when written again), the rest are dropped (untracked:
  // also those that already hold the image's bytes, see GiveBacks). `tracking`:
  // the memory's own, passed to every restore, or none (every private page is scanned).
  // `writes_here`: the calls since the last restore ran on the calling thread; a restore on
  // another thread cannot read their page faults from its own (KeptPages). Throws Error when
  // the kernel refuses the mapping.
  void restore(wasm_rt_memory_t& memory, bool mapped = false, size_t keep_pages = 0,
               Tracking* tracking = nullptr, bool writes_here = true) const;

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
