#include "engine/grown_stash.h"

#include <sys/mman.h>

#include <algorithm>

#include "engine/memory_registry.h"

namespace wasmlet::engine {
namespace {

constexpr size_t kOsPage = 4096;
constexpr size_t kMappingBytes = kMemoryReservation + kOsPage + kMaxStashBytes;

// The bookkeeping page: the stash holds the pages of memory offsets [lo, hi), the page of
// offset `o` at stash + (o - origin).
struct StashRecord {
  size_t origin = 0;
  size_t lo = 0;
  size_t hi = 0;
};

StashRecord& record_of(const wasm_rt_memory_t& memory) {
  return *reinterpret_cast<StashRecord*>(memory.data + kMemoryReservation);
}

uint8_t* stash_of(const wasm_rt_memory_t& memory) {
  return memory.data + kMemoryReservation + kOsPage;
}

bool move_pages(uint8_t* from, size_t len, uint8_t* to) {
  // DONTUNMAP leaves the source range mapped (empty): a hole in a reservation could be taken by
  // any other mapping of the process.
  return mremap(from, len, len, MREMAP_MAYMOVE | MREMAP_FIXED | MREMAP_DONTUNMAP, to) != MAP_FAILED;
}

// Writes nothing when the stash is empty: every reset of a memory that never stashes (tracked)
// calls this, and its bookkeeping page stays the shared zero page.
void drop(const wasm_rt_memory_t& memory, StashRecord& r) {
  if (r.lo == r.hi) return;
  madvise(stash_of(memory) + (r.lo - r.origin), r.hi - r.lo, MADV_DONTNEED);
  r = StashRecord{};
}

bool open_in_place(const wasm_rt_memory_t& memory, size_t from, size_t to) {
  return from >= to || mprotect(memory.data + from, to - from, PROT_READ | PROT_WRITE) == 0;
}

}  // namespace

uint8_t* map_memory_reservation() {
  void* base =
      mmap(nullptr, kMappingBytes, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (base == MAP_FAILED) return nullptr;
  auto* data = static_cast<uint8_t*>(base);
  if (mprotect(data + kMemoryReservation, kOsPage, PROT_READ | PROT_WRITE) != 0) {
    munmap(base, kMappingBytes);
    return nullptr;
  }
  return data;
}

void unmap_memory_reservation(uint8_t* base) { munmap(base, kMappingBytes); }

bool open_grown(wasm_rt_memory_t& memory, size_t from, size_t to) {
  StashRecord& r = record_of(memory);
  size_t a = std::max(from, r.lo);
  size_t b = std::min(to, r.hi);
  if (a >= b) return open_in_place(memory, from, to);
  if (a > r.lo) {
    // Stashed pages for offsets already open: the record predates the memory's size. Not
    // expected; never let them shadow what is there.
    drop(memory, r);
    return open_in_place(memory, from, to);
  }
  if (!open_in_place(memory, from, a)) return false;
  if (!move_pages(stash_of(memory) + (a - r.origin), b - a, memory.data + a)) {
    drop(memory, r);
    return open_in_place(memory, a, to);
  }
  r.lo = b;
  if (r.lo == r.hi) r = StashRecord{};
  return open_in_place(memory, b, to);
}

bool stash_grown(wasm_rt_memory_t& memory, size_t from, size_t len) {
  StashRecord& r = record_of(memory);
  if (r.lo < r.hi && (from < r.origin || from + len != r.lo)) drop(memory, r);
  if (r.lo == r.hi) r = StashRecord{from, from, from};
  len = std::min(len, r.origin + kMaxStashBytes - from);
  if (len == 0) return true;
  if (!move_pages(memory.data + from, len, stash_of(memory) + (from - r.origin))) return false;
  if (r.lo == r.hi) r.hi = from + len;
  r.lo = from;
  return true;
}

void drop_stash(wasm_rt_memory_t& memory) { drop(memory, record_of(memory)); }

StashedRange stashed_range(const wasm_rt_memory_t& memory) {
  const StashRecord& r = record_of(memory);
  return {r.lo, r.hi};
}

}  // namespace wasmlet::engine
