#pragma once
// How generated code reaches linear memory: the memory base read once per function, loads and
// stores as inline functions on it, and the analysis that lets loads whose value is certainly
// used drop the barrier that keeps unused ones (mark_live_loads).
#include <string>

namespace wasmlet::engine {

// Definitions that replace wasm2c's loads and stores; `memory` is a C expression for the
// instance's wasm_rt_memory_t*.
std::string memory_access_prelude(const std::string& memory);

// Renames a load to its plain flavour when its value certainly reaches an effect. The value is
// followed through the straight-line statements after the load (wasm2c writes one per line):
// every variable computed from it is tracked, a variable overwritten with something else is
// not. The load is live once a tracked variable feeds a store, a call, a condition, a return or
// a global. If every tracked variable dies first, or control flow comes before any effect, the
// load keeps the trapping flavour. The C compiler can still remove a load whose effect it
// removes in turn (a store it proves dead, a result folded to a constant); see
// docs/engine.md.
void mark_live_loads(std::string& source);

}  // namespace wasmlet::engine
