#pragma once
// Running code inside an instance: the module's one-time initialisation, and a call's entry.
#include <chrono>
#include <cstddef>
#include <optional>

#include "engine/instance.h"
#include "faaslet/call.h"
#include "host/host_context.h"

namespace wasmlet::faaslet {

// Runs what must happen once before calls: `_initialize` (reactors) or, when the module
// exports it, `__wasm_call_ctors` (commands built by `wasmlet cc`, whose `_start` then skips
// constructors), then the optional `_faasm_zygote` hook.
std::optional<engine::Trap> initialise(engine::Instance& instance,
                                       std::chrono::nanoseconds timeout);

// Leaves `bytes` free in the guest's allocator, past what initialisation left: calls the
// module's exported `malloc(bytes)` and then `free` on the block. Nothing when the module does
// not export both (with the expected types) or malloc returns null (the memory limit).
std::optional<engine::Trap> reserve_heap(engine::Instance& instance, size_t bytes,
                                         std::chrono::nanoseconds timeout);

// The export a Python interpreter module runs each call through.
inline constexpr const char* kPythonCallExport = "wasmlet_py_call";

// Runs one call and collects its output from `host` (whose input the caller has set).
CallResult run_entry(engine::Instance& instance, host::HostContext& host, const EntryPoint& entry,
                     const engine::CallLimits& limits);

}  // namespace wasmlet::faaslet
