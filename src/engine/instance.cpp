#include "engine/instance.h"

#include <fmt/format.h>

namespace wasmlet::engine {

Instance::Instance(std::shared_ptr<const Module> module,
                   const std::map<std::string, void*>& import_contexts,
                   const InstanceLimits& limits)
    : module_(std::move(module)), budget_(std::make_unique<InstanceBudget>(limits.memory_pages)) {
  const AbiModule& abi = module_->abi();
  // calloc: free_instance must be safe on a half-built instance when instantiation traps.
  storage_.reset(std::calloc(1, abi.instance_size));
  if (!storage_) throw Error("out of memory allocating an instance");

  std::vector<void*> contexts = contexts_for(import_contexts);
  MemoryLimitScope memory_limit(*budget_);
  auto trap = guarded([&] { abi.instantiate(storage_.get(), contexts.data()); }, limits.start);
  if (trap) {
    abi.free_instance(storage_.get());
    storage_.reset();
    throw TrapError(std::move(*trap));
  }
}

Instance::Instance(BlankInstance, std::shared_ptr<const Module> module,
                   const std::map<std::string, void*>& import_contexts,
                   const InstanceLimits& limits)
    : module_(std::move(module)), budget_(std::make_unique<InstanceBudget>(limits.memory_pages)) {
  const AbiModule& abi = module_->abi();
  if (abi.copy_state == nullptr) throw Error("this module cannot be restored from a snapshot");
  storage_.reset(std::calloc(1, abi.instance_size));
  if (!storage_) throw Error("out of memory allocating an instance");
  std::vector<void*> contexts = contexts_for(import_contexts);
  abi.bind_imports(storage_.get(), contexts.data());
  if (abi.memory != nullptr) {
    const auto& declared = module_->info().memory_limits;
    uint32_t max = static_cast<uint32_t>(declared.max.value_or(65536));
    MemoryLimitScope memory_limit(*budget_);
    // Host code, possibly of a running call (a chained call run by its awaiting caller).
    auto trap = host_section([&] { wasm_rt_allocate_memory(abi.memory(storage_.get()), 0, max); });
    if (trap) {
      abi.free_instance(storage_.get());
      storage_.reset();
      throw TrapError(std::move(*trap));
    }
  }
}

std::vector<void*> Instance::contexts_for(
    const std::map<std::string, void*>& import_contexts) const {
  const AbiModule& abi = module_->abi();
  std::vector<void*> contexts;
  for (uint32_t i = 0; i < abi.import_module_count; ++i) {
    auto it = import_contexts.find(abi.import_modules[i]);
    if (it == import_contexts.end()) {
      throw Error(fmt::format("no context for import module '{}'", abi.import_modules[i]));
    }
    contexts.push_back(it->second);
  }
  return contexts;
}

void Instance::restore(const Instance& source, const MemoryImage* image, bool again,
                       size_t keep_pages, bool writes_here) {
  const AbiModule& abi = module_->abi();
  // Tables of another size are allocated again; `source` held them under the same limit.
  MemoryLimitScope memory_limit(*budget_);
  auto trap = host_section([&] { abi.copy_state(storage_.get(), source.storage_.get()); });
  if (trap) throw TrapError(std::move(*trap));
  wasm_rt_memory_t* m = memory();
  if (m != nullptr && image != nullptr)
    image->restore(*m, again, keep_pages, &memory_tracking_, writes_here);
}

std::optional<Trap> Instance::call_table_entry(uint32_t index, int32_t& result,
                                               const CallLimits& limits) {
  static const uint32_t kReturnsI32 = wasm_rt_register_func_type(0, 1, WASM_RT_I32);
  static const uint32_t kReturnsNothing = wasm_rt_register_func_type(0, 0);
  wasm_rt_funcref_table_t* table =
      module_->abi().table ? module_->abi().table(storage_.get()) : nullptr;
  if (table == nullptr || index >= table->size) {
    return Trap{TrapKind::UndefinedElement, 0, fmt::format("no table entry {}", index)};
  }
  wasm_rt_funcref_t entry = table->data[index];
  if (entry.func == nullptr) return Trap{TrapKind::UninitializedElement, 0, {}};
  result = 0;
  if (entry.func_type == kReturnsI32) {
    auto fn = reinterpret_cast<uint32_t (*)(void*)>(entry.func);
    int32_t* out = &result;
    return guarded([&] { *out = static_cast<int32_t>(fn(entry.module_instance)); }, limits);
  }
  if (entry.func_type == kReturnsNothing) {
    auto fn = reinterpret_cast<void (*)(void*)>(entry.func);
    return guarded([&] { fn(entry.module_instance); }, limits);
  }
  return Trap{TrapKind::IndirectCallTypeMismatch, 0, "table entry must take no arguments"};
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
