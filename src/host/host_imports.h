#pragma once
// The catalogue of functions the host offers guests, one table per concern, each built with
// WASMLET_HOST_IMPORT (host_function.h). Naming each function here also keeps the linker from
// dropping it.
#include <span>
#include <vector>

#include "engine/engine.h"
#include "host/host_function.h"

namespace wasmlet::host {

std::span<const HostFunction> wasi_fd_functions();
std::span<const HostFunction> wasi_path_functions();
std::span<const HostFunction> wasi_poll_functions();
std::span<const HostFunction> wasi_process_functions();
std::span<const HostFunction> faasm_io_functions();
std::span<const HostFunction> faasm_chain_functions();
std::span<const HostFunction> faasm_state_functions();
std::span<const HostFunction> python_functions();
std::span<const HostFunction> posix_functions();

// Every host function, in one list.
std::vector<HostFunction> host_functions();

// Every host function, as the engine's import check wants them.
std::vector<engine::HostImport> host_imports();

}  // namespace wasmlet::host
