#pragma once
// The catalogue of functions the host offers guests. Each entry names the C symbol wasm2c
// code links against; taking its address here also keeps the linker from dropping it.
#include <span>
#include <vector>

#include "engine/engine.h"

namespace wasmlet::host {

struct HostFunction {
  const char* module;
  const char* name;
  const char* signature;  // "params>results", see engine/module_info.h
  const void* address;
};

std::span<const HostFunction> wasi_functions();
std::span<const HostFunction> faasm_io_functions();
std::span<const HostFunction> faasm_chain_functions();
std::span<const HostFunction> faasm_state_functions();
std::span<const HostFunction> python_functions();
std::span<const HostFunction> posix_functions();

// Every host function, as the engine's import check wants them.
std::vector<engine::HostImport> host_imports();

}  // namespace wasmlet::host
