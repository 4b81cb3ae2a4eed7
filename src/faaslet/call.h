#pragma once
// What a Faaslet call runs, and what comes back.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "engine/trap.h"

namespace wasmlet::host {
class ChainHandler;
}

namespace wasmlet::faaslet {

// Where a call starts: main, an export, a function-table entry or a Python function.
struct EntryPoint {
  // Python: a function of a Python function's module, run by the interpreter's call export
  // (empty name: the function's default entry).
  enum class Kind { Main, Export, TableIndex, Python };
  Kind kind = Kind::Main;
  std::string name;    // Export: an export of type () -> () or () -> i32; Python: a function
  uint32_t index = 0;  // TableIndex: a function-table entry of one of those types

  static EntryPoint main() { return {}; }
  static EntryPoint exported(std::string n) { return {Kind::Export, std::move(n), 0}; }
  static EntryPoint table(uint32_t i) { return {Kind::TableIndex, {}, i}; }
  static EntryPoint python(std::string function = {}) {
    return {Kind::Python, std::move(function), 0};
  }
};

// How one call runs, besides its input and entry.
struct CallOptions {
  host::ChainHandler* chain = nullptr;  // serves the guest's chaining calls; null: none
  uint64_t call_id = 0;                 // what the guest is told its call is
  // Wall-time limit: the function's own when zero, else the smaller of the two.
  std::chrono::nanoseconds timeout{0};
  const std::atomic<bool>* cancel = nullptr;  // see engine::CallLimits
  // Move the calling thread into the tenant's cgroup first (see FaasletPool). Off for calls
  // run on a thread that serves every tenant, such as an I/O thread.
  bool tenant_placement = true;
  // argv[1..] for this call, after the function's configured argv (Faasm's cmdline).
  std::vector<std::string> args;
};

struct CallResult {
  int return_code = 0;               // main's return value or exit status; an entry's i32
  std::optional<engine::Trap> trap;  // a trap, timeout or limit (never a plain exit)
  std::string output;                // __faasm_write_output
  std::string stdout_text, stderr_text;
  std::string error;  // the guest's own account of a failure (a Python traceback)
  std::chrono::nanoseconds run_time{0};
  bool fresh = false;  // ran on a Faaslet newly restored from the snapshot (not a pooled one)

  bool ok() const { return !trap && return_code == 0; }
};

}  // namespace wasmlet::faaslet
