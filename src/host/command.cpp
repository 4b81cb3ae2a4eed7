#include "host/command.h"

#include "host/host_imports.h"

namespace wasmlet::host {

std::map<std::string, void*> host_import_contexts(HostContext& host) {
  return {{"env", &host}, {"wasi_snapshot_preview1", &host}};
}

CommandResult run_command(std::shared_ptr<const engine::Module> module, HostConfig config,
                          std::string input, const CommandLimits& limits) {
  using Clock = std::chrono::steady_clock;
  const engine::AbiExport* start = module->find_export("_start");
  if (start == nullptr || start->kind != static_cast<uint32_t>(engine::ExternKind::Func)) {
    throw Error("module has no _start export (build it as a WASI command)");
  }
  if (module->info().find_export("_start")->type.signature != ">") {
    throw Error("_start must take no arguments and return nothing");
  }

  CommandResult result;
  HostContext host(std::move(config));
  host.set_input(std::move(input));
  engine::InstanceLimits instance_limits;
  instance_limits.memory_pages = limits.memory_pages;
  instance_limits.start.timeout = limits.timeout;

  auto t0 = Clock::now();
  std::unique_ptr<engine::Instance> instance;
  try {
    instance =
        std::make_unique<engine::Instance>(module, host_import_contexts(host), instance_limits);
  } catch (const engine::TrapError& e) {
    result.trap = e.trap();
    return result;
  }
  host.bind_memory(instance->memory());
  auto t1 = Clock::now();
  auto trap = instance->call_void(*start, {limits.timeout});
  auto t2 = Clock::now();

  if (trap && trap->kind == engine::TrapKind::Exit) {
    result.return_code = trap->exit_code;
  } else if (trap) {
    result.trap = std::move(trap);
    result.return_code = 1;
  }
  result.output = host.output();
  result.stdout_text = host.captured_stdout();
  result.stderr_text = host.captured_stderr();
  result.instantiate_time = t1 - t0;
  result.run_time = t2 - t1;
  return result;
}

}  // namespace wasmlet::host
