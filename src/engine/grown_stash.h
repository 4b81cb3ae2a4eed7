#pragma once
// Where the pages a memory grew past its image wait between calls. A reset keeps the grown
// pages a call wrote resident and zeroed, so that the next call growing as far takes no page
// faults, but past the restored size the guest must not reach them. Protecting them and opening
// them again costs the kernel a page-table update and a page lookup per page each way
// (`mprotect`); moving their page-table entries out of the reservation and back (`mremap`)
// costs about half of that to open them (measured in docs/faaslets.md). So every memory's
// mapping ends, past all the guest can address, in a page of bookkeeping and a stash: a reset
// moves the run of kept pages there, and a grow moves back what it opens.
#include <wasm-rt.h>

#include <cstddef>
#include <cstdint>

namespace wasmlet::engine {

// The most a stash holds; a longer run of kept pages stays in place, protected.
inline constexpr size_t kMaxStashBytes = size_t{64} << 20;

// Maps a linear memory's whole range: the reservation (nothing accessible), the bookkeeping
// (read-write) and the stash (nothing yet). nullptr when the kernel refuses.
uint8_t* map_memory_reservation();
void unmap_memory_reservation(uint8_t* base);

// Makes the memory's offsets [from, to) accessible, taking the stashed pages of that range back
// into place. Host code only (the bookkeeping must not be left half-updated by a deadline).
// False when the kernel refuses.
bool open_grown(wasm_rt_memory_t& memory, size_t from, size_t to);

// Moves the resident, zeroed pages at the memory's offsets [from, from + len) into the stash,
// as far as it has room; what it takes is left unmapped in place, still accessible until the
// caller protects it. A stash holds one run: one that does not end where this one begins is
// dropped first. False when the kernel refuses (the pages stay in place).
bool stash_grown(wasm_rt_memory_t& memory, size_t from, size_t len);

// Frees what the stash holds.
void drop_stash(wasm_rt_memory_t& memory);

// The memory offsets the stash holds pages for, [first, second).
struct StashedRange {
  size_t first, second;
};
StashedRange stashed_range(const wasm_rt_memory_t& memory);

}  // namespace wasmlet::engine
