#pragma once
// Running code inside an instance: the module's one-time initialisation, and a call's entry.
#include <chrono>
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

// The export a Python interpreter module runs each call through.
inline constexpr const char* kPythonCallExport = "wasmlet_py_call";

// Runs one call and collects its output from `host` (whose input the caller has set).
CallResult run_entry(engine::Instance& instance, host::HostContext& host, const EntryPoint& entry,
                     const engine::CallLimits& limits);

}  // namespace wasmlet::faaslet
