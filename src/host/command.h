#pragma once
// Runs a WASI command module (`_start`) once in a fresh instance with its own host context:
// the simplest complete invocation, used by `wasmlet run` and by tests.
#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "engine/instance.h"
#include "host/host_context.h"

namespace wasmlet::host {

struct CommandLimits {
  uint32_t memory_pages = 16384;  // 1 GiB
  std::chrono::nanoseconds timeout = std::chrono::seconds(60);
};

struct CommandResult {
  int return_code = 0;               // from proc_exit, 0 when _start returned
  std::optional<engine::Trap> trap;  // set when the call trapped (not for a plain exit)
  std::string output;                // __faasm_write_output
  std::string stdout_text, stderr_text;
  std::chrono::nanoseconds instantiate_time{0}, run_time{0};

  bool ok() const { return !trap && return_code == 0; }
};

// Throws Error when the module cannot be instantiated for a reason other than a trap (no
// `_start` export, no memory); traps, including during instantiation, come back in `trap`.
CommandResult run_command(std::shared_ptr<const engine::Module> module, HostConfig config,
                          std::string input, const CommandLimits& limits);

// The import contexts every host module needs: all of them point at the one HostContext.
std::map<std::string, void*> host_import_contexts(HostContext& host);

}  // namespace wasmlet::host
