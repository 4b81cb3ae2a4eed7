#pragma once
// What every instance of a function is built with, derived from its FunctionConfig in one
// place: by Faaslets, the Proto-Faaslet's template, run_once, and the benchmarks that time
// these steps one by one.
#include <filesystem>
#include <memory>

#include "engine/engine.h"
#include "engine/instance.h"
#include "faaslet/function_config.h"
#include "host/host_context.h"

namespace wasmlet::faaslet {

// How a module that runs as a function is loaded: against the host's imports.
engine::LoadOptions load_options();

// The host context of one instance: the function's host configuration with `scratch_dir` as
// the guest's /tmp (empty: none) and the function's output limit, bound to the function's
// state under its user when it has a state tier.
std::unique_ptr<host::HostContext> make_host_context(const FunctionConfig& config,
                                                     const std::filesystem::path& scratch_dir);

// The instance's memory limit, and the function's timeout for its start function.
engine::InstanceLimits instance_limits(const FunctionConfig& config);

}  // namespace wasmlet::faaslet
