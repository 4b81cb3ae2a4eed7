#pragma once
// Every linear memory's reserved address range, readable from a signal handler without locks,
// so a fault can be told apart: inside a wasm memory (a trap) or anywhere else (a real crash).
#include <cstddef>
#include <cstdint>

namespace wasmlet::engine {

// Bytes reserved per linear memory: 4 GiB addressable plus a 4 GiB offset window plus slack
// for the widest access, so every bounds check is done by the MMU.
inline constexpr size_t kMemoryReservation = (size_t{8} << 30) + (size_t{64} << 10);

// Returns false when the registry is full.
bool memory_registry_add(uintptr_t base);
void memory_registry_remove(uintptr_t base);
// Async-signal-safe.
bool memory_registry_contains(uintptr_t addr);

}  // namespace wasmlet::engine
