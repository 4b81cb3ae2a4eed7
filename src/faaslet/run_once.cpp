#include "faaslet/run_once.h"

#include "engine/instance.h"
#include "faaslet/entry_call.h"

namespace wasmlet::faaslet {

RunOnceResult run_once(std::shared_ptr<const engine::Module> module, const FunctionConfig& config,
                       std::string input, const Entry& entry) {
  RunOnceResult result;
  host::HostConfig host_config = config.host;
  host_config.max_output_bytes = config.limits.max_output_bytes;
  host::HostContext host(std::move(host_config));
  host.set_input(std::move(input));

  engine::InstanceLimits limits;
  limits.memory_pages = config.limits.memory_pages;
  limits.start.timeout = config.limits.timeout;
  auto start = std::chrono::steady_clock::now();
  std::unique_ptr<engine::Instance> instance;
  try {
    instance = std::make_unique<engine::Instance>(module, host::host_import_contexts(host), limits);
  } catch (const engine::TrapError& e) {
    result.trap = e.trap();
    result.return_code = 1;
    return result;
  }
  host.bind_memory(instance->memory());
  if (auto trap = initialise(*instance, config.limits.timeout)) {
    result.trap = std::move(trap);
    result.return_code = 1;
    return result;
  }
  result.instantiate_time = std::chrono::steady_clock::now() - start;
  static_cast<CallResult&>(result) = run_entry(*instance, host, entry, {config.limits.timeout});
  return result;
}

}  // namespace wasmlet::faaslet
