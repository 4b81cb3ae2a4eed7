#include "faaslet/entry_call.h"

#include <fmt/format.h>

#include <cstdint>

namespace wasmlet::faaslet {
namespace {

using Clock = std::chrono::steady_clock;

bool returns_nothing_or_i32(const engine::Export& e) {
  return e.type.kind == engine::ExternKind::Func &&
         (e.type.signature == ">" || e.type.signature == ">i");
}

// Calls a () -> () or () -> i32 export.
std::optional<engine::Trap> call_export(engine::Instance& instance, const std::string& name,
                                        int32_t& result, const engine::CallLimits& limits) {
  const engine::Export* info = instance.module().info().find_export(name);
  const engine::AbiExport* fn = instance.module().find_export(name);
  if (info == nullptr || fn == nullptr) {
    return engine::Trap{engine::TrapKind::HostError, 0, fmt::format("no export '{}'", name)};
  }
  if (!returns_nothing_or_i32(*info)) {
    return engine::Trap{engine::TrapKind::HostError, 0,
                        fmt::format("export '{}' must take no arguments", name)};
  }
  uint64_t out[1] = {0};
  auto trap = instance.call(*fn, {}, out, limits);
  result = static_cast<int32_t>(out[0]);
  return trap;
}

}  // namespace

std::optional<engine::Trap> initialise(engine::Instance& instance,
                                       std::chrono::nanoseconds timeout) {
  const auto& info = instance.module().info();
  int32_t ignored = 0;
  for (const char* hook : {"_initialize", "__wasm_call_ctors"}) {
    if (info.find_export(hook) != nullptr) {
      if (auto trap = call_export(instance, hook, ignored, {timeout})) return trap;
      break;
    }
  }
  if (info.find_export("_faasm_zygote") != nullptr) {
    auto trap = call_export(instance, "_faasm_zygote", ignored, {timeout});
    if (trap) return trap;
    if (ignored != 0) {
      return engine::Trap{engine::TrapKind::HostError, 0,
                          fmt::format("_faasm_zygote returned {}", ignored)};
    }
  }
  return std::nullopt;
}

std::optional<engine::Trap> reserve_heap(engine::Instance& instance, size_t bytes,
                                         std::chrono::nanoseconds timeout) {
  const auto& info = instance.module().info();
  auto exported = [&](const char* name, const char* signature) -> const engine::AbiExport* {
    const engine::Export* e = info.find_export(name);
    if (e == nullptr || e->type.kind != engine::ExternKind::Func ||
        e->type.signature != signature) {
      return nullptr;
    }
    return instance.module().find_export(name);
  };
  const engine::AbiExport* malloc_fn = exported("malloc", "i>i");
  const engine::AbiExport* free_fn = exported("free", "i>");
  if (malloc_fn == nullptr || free_fn == nullptr || bytes == 0 || bytes > UINT32_MAX) {
    return std::nullopt;
  }
  uint64_t block = 0;
  const uint64_t size = bytes;
  if (auto trap = instance.call(*malloc_fn, {&size, 1}, {&block, 1}, {timeout})) return trap;
  block &= UINT32_MAX;  // an i32 result: the upper half of the slot is not the guest's
  if (block == 0) return std::nullopt;
  uint64_t none = 0;
  return instance.call(*free_fn, {&block, 1}, {&none, 1}, {timeout});
}

namespace {

// The entry, then the destructors.
std::optional<engine::Trap> run_entry_calls(engine::Instance& instance, const EntryPoint& entry,
                                            int32_t& value, const engine::CallLimits& limits) {
  std::optional<engine::Trap> trap;
  switch (entry.kind) {
    case EntryPoint::Kind::Main:
      if (instance.module().info().find_export("_start") == nullptr) {
        trap = engine::Trap{engine::TrapKind::HostError, 0,
                            "module has no _start export (build it as a WASI command)"};
      } else {
        trap = call_export(instance, "_start", value, limits);
      }
      break;
    case EntryPoint::Kind::Export:
      trap = call_export(instance, entry.name, value, limits);
      break;
    case EntryPoint::Kind::TableIndex:
      trap = instance.call_table_entry(entry.index, value, limits);
      break;
    case EntryPoint::Kind::Python:
      trap = call_export(instance, kPythonCallExport, value, limits);
      break;
  }
  // Modules whose constructors Wasmlet runs (see initialise) leave their destructors, which
  // flush stdio, to the caller as well.
  if (!trap && instance.module().info().find_export("__wasm_call_dtors") != nullptr) {
    int32_t ignored = 0;
    trap = call_export(instance, "__wasm_call_dtors", ignored, limits);
  }
  return trap;
}

}  // namespace

CallResult run_entry(engine::Instance& instance, host::HostContext& host, const EntryPoint& entry,
                     const engine::CallLimits& limits) {
  CallResult result;
  int32_t value = 0;
  auto start = Clock::now();
  std::optional<engine::Trap> trap;
  // One outer boundary arms the deadline and the cancel flag once for both guest calls (the
  // boundaries inside are nested: they catch their own traps). Between the calls this is host
  // code, where an expiring deadline only takes note.
  auto outer = engine::guarded(
      [&] {
        engine::enter_host();
        trap = run_entry_calls(instance, entry, value, limits);
      },
      limits);
  if (outer) trap = std::move(outer);
  result.run_time = Clock::now() - start;
  if (trap && trap->kind == engine::TrapKind::Exit) {
    result.return_code = trap->exit_code;
  } else if (trap) {
    result.trap = std::move(trap);
    result.return_code = 1;
  } else {
    result.return_code = value;
  }
  host::HostContext::CallOutputs outputs = host.take_call_outputs();
  result.output = std::move(outputs.output);
  result.stdout_text = std::move(outputs.stdout_text);
  result.stderr_text = std::move(outputs.stderr_text);
  result.error = std::move(outputs.error);
  return result;
}

}  // namespace wasmlet::faaslet
