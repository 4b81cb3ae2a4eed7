#include "faaslet/instance_setup.h"

#include <utility>

#include "host/host_imports.h"
#include "host/state_binding.h"

namespace wasmlet::faaslet {

engine::LoadOptions load_options() {
  engine::LoadOptions options;
  options.host_imports = host::host_imports();
  return options;
}

std::unique_ptr<host::HostContext> make_host_context(const FunctionConfig& config,
                                                     const std::filesystem::path& scratch_dir) {
  host::HostConfig host_config = config.host;
  host_config.fs.scratch_dir = scratch_dir;
  host_config.max_output_bytes = config.limits.max_output_bytes;
  auto host = std::make_unique<host::HostContext>(std::move(host_config));
  if (config.state_tier != nullptr) {
    host->set_state(std::make_unique<host::StateBinding>(*config.state_tier, config.user));
  }
  return host;
}

engine::InstanceLimits instance_limits(const FunctionConfig& config) {
  engine::InstanceLimits limits;
  limits.memory_pages = config.limits.memory_pages;
  limits.start.timeout = config.limits.timeout;
  return limits;
}

}  // namespace wasmlet::faaslet
