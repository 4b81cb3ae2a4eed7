#include "engine/instance.h"

#include <fmt/format.h>

#include "engine/runtime_limits.h"

namespace wasmlet::engine {

Instance::Instance(std::shared_ptr<const Module> module,
                   const std::map<std::string, void*>& import_contexts,
                   const InstanceLimits& limits)
    : module_(std::move(module)) {
  const AbiModule& abi = module_->abi();
  // calloc: free_instance must be safe on a half-built instance when instantiation traps.
  storage_.reset(std::calloc(1, abi.instance_size));
  if (!storage_) throw Error("out of memory allocating an instance");

  std::vector<void*> contexts;
  for (uint32_t i = 0; i < abi.import_module_count; ++i) {
    auto it = import_contexts.find(abi.import_modules[i]);
    if (it == import_contexts.end()) {
      throw Error(fmt::format("no context for import module '{}'", abi.import_modules[i]));
    }
    contexts.push_back(it->second);
  }
  MemoryLimitScope memory_limit(limits.memory_pages);
  auto trap = guarded([&] { abi.instantiate(storage_.get(), contexts.data()); }, limits.start);
  if (trap) {
    abi.free_instance(storage_.get());
    storage_.reset();
    throw TrapError(std::move(*trap));
  }
}

Instance::~Instance() {
  if (storage_) module_->abi().free_instance(storage_.get());
}

wasm_rt_memory_t* Instance::memory() const {
  auto* get = module_->abi().memory;
  return get ? get(storage_.get()) : nullptr;
}

std::optional<Trap> Instance::call(const AbiExport& fn, std::span<const uint64_t> args,
                                   std::span<uint64_t> results, const CallLimits& limits) {
  if (fn.thunk == nullptr) {
    return Trap{TrapKind::HostError, 0, "export has no generic entry (reference-typed results)"};
  }
  void* inst = storage_.get();
  const uint64_t* a = args.data();
  uint64_t* r = results.data();
  return guarded([&] { fn.thunk(inst, a, r); }, limits);
}

std::optional<Trap> Instance::call_void(const AbiExport& fn, const CallLimits& limits) {
  void* inst = storage_.get();
  auto f = reinterpret_cast<void (*)(void*)>(fn.func);
  return guarded([&] { f(inst); }, limits);
}

}  // namespace wasmlet::engine
