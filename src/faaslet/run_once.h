#pragma once
// The baseline way to run a function: instantiate, initialise and call in a fresh instance,
// then throw it away. No snapshot; what Faaslets are measured against.
#include <memory>
#include <string>

#include "engine/module.h"
#include "faaslet/call.h"
#include "faaslet/function_config.h"

namespace wasmlet::faaslet {

struct RunOnceResult : CallResult {
  std::chrono::nanoseconds instantiate_time{0};  // instantiation plus initialisation
};

// Traps (also during instantiation) come back in the result; Error for a module that cannot
// run at all.
RunOnceResult run_once(const std::shared_ptr<const engine::Module>& module,
                       const FunctionConfig& config, std::string input,
                       const Entry& entry = Entry::main());

}  // namespace wasmlet::faaslet
