#pragma once
// wasm bytes -> C source through wasm2c, then rewritten for Wasmlet's runtime: the memory base
// is read once per function instead of after every store, indirect-call traps say which of the
// three faults happened, and a descriptor (module_descriptor.h) is appended for the loader.
#include <filesystem>
#include <set>
#include <span>
#include <string>

#include "engine/compile_run.h"
#include "engine/module_info.h"

namespace wasmlet::engine {

struct CodegenOptions {
  // Import modules resolved at instantiation through link tables (wasm-to-wasm linking)
  // instead of by symbol against the host.
  std::set<std::string> linked_import_modules;
  // Read the memory base once per function (the default). Off reproduces stock wasm2c's
  // per-access reload, for benchmarks that show the difference.
  bool hoist_memory_base = true;
};

// Writes `<dir>/<module_name>.c` (and .h) and returns the .c path, running wasm2c under `run`'s
// bounds. Throws ModuleRejected with wasm2c's validator message when the module is invalid, or
// when a name would not be safe in the C wasm2c writes; CompileFailed when wasm2c's output is
// not what Wasmlet expects; see run_compiler for the rest.
std::filesystem::path generate_c(std::span<const unsigned char> wasm, const ModuleInfo& info,
                                 const std::string& module_name, const CodegenOptions& options,
                                 const std::filesystem::path& dir, const CompileRun& run = {});

// wasm2c's symbol mangling of one name component.
std::string mangle_name(std::string_view name);

// The symbol of a module's descriptor (AbiModule).
std::string descriptor_symbol(std::string_view module_name);

}  // namespace wasmlet::engine
