#include "faaslet/run_once.h"

#include "engine/instance.h"
#include "faaslet/entry_call.h"
#include "faaslet/instance_setup.h"

namespace wasmlet::faaslet {

RunOnceResult run_once(const std::shared_ptr<const engine::Module>& module,
                       const FunctionConfig& config, std::string input, const Entry& entry) {
  RunOnceResult result;
  // The scratch directory as configured: nothing outlives this call to reuse one.
  auto host = make_host_context(config, config.host.fs.scratch_dir);
  host->set_input(std::move(input));
  auto start = std::chrono::steady_clock::now();
  std::unique_ptr<engine::Instance> instance;
  try {
    instance = std::make_unique<engine::Instance>(module, host::host_import_contexts(*host),
                                                  instance_limits(config));
  } catch (const engine::TrapError& e) {
    result.trap = e.trap();
    result.return_code = 1;
    return result;
  }
  host->bind_memory(instance->memory());
  if (auto trap = initialise(*instance, config.limits.timeout)) {
    result.trap = std::move(trap);
    result.return_code = 1;
    return result;
  }
  result.instantiate_time = std::chrono::steady_clock::now() - start;
  static_cast<CallResult&>(result) = run_entry(*instance, *host, entry, {config.limits.timeout});
  return result;
}

}  // namespace wasmlet::faaslet
