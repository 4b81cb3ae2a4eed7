// Wasmlet's implementation of the wasm2c runtime interface (<wasm-rt.h>), replacing the stock
// wasm-rt-impl.c: per-thread traps (trap.cpp), memories that own their whole reservation and
// never move, and a thread-safe function-type registry shared by every loaded module.
#include <fmt/format.h>
#include <sys/mman.h>
#include <wasm-rt.h>

#include <cstdarg>
#include <cstdlib>
#include <cstring>
#include <unordered_map>
#include <vector>

#include "engine/grown_stash.h"
#include "engine/memory_registry.h"
#include "engine/runtime_limits.h"
#include "engine/trap.h"
#include "util/mutex.h"

namespace wasmlet::engine {
namespace {

constexpr uint64_t kPageSize = 65536;
constexpr uint32_t kMaxPages = 65536;

util::Mutex g_types_mutex;
// A signature: its value types, then the number of parameters. Held as plain integers: a count
// is no wasm_rt_type_t, and loading one as that enum is undefined behaviour.
std::vector<std::vector<uint32_t>> g_types GUARDED_BY(g_types_mutex);

thread_local InstanceBudget* t_budget = nullptr;

// The budget each charged memory and table is charged to, for their growth and freeing, which
// happen outside any MemoryLimitScope.
util::Mutex g_charges_mutex;
std::unordered_map<const void*, InstanceBudget*> g_charges GUARDED_BY(g_charges_mutex);

void charge(const void* object, InstanceBudget* budget) {
  util::MutexLock lock(g_charges_mutex);
  g_charges[object] = budget;
}

InstanceBudget* budget_of(const void* object) {
  util::MutexLock lock(g_charges_mutex);
  auto it = g_charges.find(object);
  return it == g_charges.end() ? nullptr : it->second;
}

InstanceBudget* uncharge(const void* object) {
  util::MutexLock lock(g_charges_mutex);
  auto node = g_charges.extract(object);
  return node.empty() ? nullptr : node.mapped();
}

// Whether `budget` (if any) has room for `memory_bytes` more linear memory and `table_bytes`
// more table elements.
bool has_room(const InstanceBudget* budget, uint64_t memory_bytes, uint64_t table_bytes) {
  return budget == nullptr ||
         budget->charged_with(memory_bytes, table_bytes) <= budget->limit_bytes();
}

// The same for an allocation at instantiation; when there is no room, records a MemoryLimit
// trap naming the sizes, which the caller raises after leave_host().
bool allocation_fits(const InstanceBudget* budget, uint64_t memory_bytes, uint64_t table_bytes) {
  if (has_room(budget, memory_bytes, table_bytes)) return true;
  record_host_trap(
      TrapKind::MemoryLimit,
      fmt::format("{} of {} bytes would bring memory and tables to {} bytes (64 KiB of tables "
                  "free), past the instance's limit of {} bytes",
                  memory_bytes != 0 ? "an initial memory" : "a table",
                  memory_bytes != 0 ? memory_bytes : table_bytes,
                  budget->charged_with(memory_bytes, table_bytes), budget->limit_bytes()));
  return false;
}

TrapKind from_wasm_rt(wasm_rt_trap_t t) {
  switch (t) {
    case WASM_RT_TRAP_OOB:
      return TrapKind::OutOfBounds;
    case WASM_RT_TRAP_INT_OVERFLOW:
      return TrapKind::IntegerOverflow;
    case WASM_RT_TRAP_DIV_BY_ZERO:
      return TrapKind::IntegerDivideByZero;
    case WASM_RT_TRAP_INVALID_CONVERSION:
      return TrapKind::InvalidConversion;
    case WASM_RT_TRAP_UNREACHABLE:
      return TrapKind::Unreachable;
    case WASM_RT_TRAP_CALL_INDIRECT:
      return TrapKind::IndirectCallTypeMismatch;
    case WASM_RT_TRAP_EXHAUSTION:
      return TrapKind::StackExhausted;
    default:
      return TrapKind::Unreachable;
  }
}

}  // namespace

InstanceBudget::InstanceBudget(uint32_t memory_pages)
    : pages_(memory_pages < kMaxPages ? memory_pages : kMaxPages) {}

uint64_t InstanceBudget::charged_with(uint64_t memory_bytes, uint64_t table_bytes) const {
  uint64_t tables = table_bytes_ + table_bytes;
  uint64_t bytes = memory_bytes + (tables > kFreeTableBytes ? tables - kFreeTableBytes : 0);
  for (const auto* memory : memories_) bytes += uint64_t{memory->pages} * kPageSize;
  return bytes;
}

void InstanceBudget::remove_memory(const wasm_rt_memory_t* memory) {
  std::erase(memories_, memory);
}

MemoryLimitScope::MemoryLimitScope(InstanceBudget& budget) : saved_(t_budget) {
  t_budget = &budget;
}
MemoryLimitScope::~MemoryLimitScope() { t_budget = saved_; }

}  // namespace wasmlet::engine

using wasmlet::engine::TrapKind;

extern "C" {

static bool g_initialized = false;

void wasm_rt_init(void) {
  wasmlet::engine::install_trap_handlers();
  g_initialized = true;
}
bool wasm_rt_is_initialized(void) { return g_initialized; }
void wasm_rt_free(void) {}

void wasm_rt_trap(wasm_rt_trap_t trap) {
  wasmlet::engine::raise_trap(wasmlet::engine::from_wasm_rt(trap));
}

void wasmlet_call_indirect_trap(const wasm_rt_funcref_table_t* table, uint32_t index, uint32_t) {
  if (index >= table->size) wasmlet::engine::raise_trap(TrapKind::UndefinedElement);
  if (table->data[index].func == nullptr) {
    wasmlet::engine::raise_trap(TrapKind::UninitializedElement);
  }
  wasmlet::engine::raise_trap(TrapKind::IndirectCallTypeMismatch);
}

const char* wasm_rt_strerror(wasm_rt_trap_t trap) {
  return wasmlet::engine::trap_kind_message(wasmlet::engine::from_wasm_rt(trap)).data();
}

uint32_t wasm_rt_register_func_type(uint32_t params, uint32_t results, ...) {
  std::vector<uint32_t> sig;
  sig.reserve(params + results + 1);
  va_list args;
  va_start(args, results);
  for (uint32_t i = 0; i < params + results; ++i) {
    sig.push_back(static_cast<uint32_t>(va_arg(args, int)));
  }
  va_end(args);
  sig.push_back(params);  // the params/results split is part of the type
  wasmlet::util::MutexLock lock(wasmlet::engine::g_types_mutex);
  auto& types = wasmlet::engine::g_types;
  for (size_t i = 0; i < types.size(); ++i) {
    if (types[i] == sig) return static_cast<uint32_t>(i);
  }
  types.push_back(std::move(sig));
  return static_cast<uint32_t>(types.size() - 1);
}

void wasm_rt_allocate_memory(wasm_rt_memory_t* memory, uint32_t initial_pages, uint32_t max_pages) {
  memory->data = nullptr;
  memory->pages = 0;
  memory->size = 0;
  wasmlet::engine::InstanceBudget* budget = wasmlet::engine::t_budget;
  uint32_t limit = budget != nullptr ? budget->memory_pages() : wasmlet::engine::kMaxPages;
  if (max_pages > limit) max_pages = limit;
  memory->max_pages = max_pages;
  if (initial_pages > max_pages) wasmlet::engine::raise_trap(TrapKind::MemoryLimit);

  // Runs as host code so a deadline cannot strand a reservation that is mapped but not owned.
  void* base = MAP_FAILED;
  uint64_t bytes = initial_pages * wasmlet::engine::kPageSize;
  if (wasmlet::engine::enter_host() && wasmlet::engine::allocation_fits(budget, bytes, 0)) {
    uint8_t* mapped = wasmlet::engine::map_memory_reservation();
    base = mapped != nullptr ? mapped : MAP_FAILED;
    if (base != MAP_FAILED &&
        ((bytes != 0 && mprotect(base, bytes, PROT_READ | PROT_WRITE) != 0) ||
         !wasmlet::engine::memory_registry_add(reinterpret_cast<uintptr_t>(base)))) {
      wasmlet::engine::unmap_memory_reservation(mapped);
      base = MAP_FAILED;
    }
    if (base != MAP_FAILED) {
      memory->data = static_cast<uint8_t*>(base);
      if (budget != nullptr) {
        budget->add_memory(memory);
        wasmlet::engine::charge(memory, budget);
      }
    }
  }
  if (wasmlet::engine::leave_host()) wasmlet::engine::raise_recorded_trap();
  if (base == MAP_FAILED) wasmlet::engine::raise_trap(TrapKind::MemoryLimit);
  memory->pages = initial_pages;
  memory->size = static_cast<uint32_t>(bytes);
}

uint32_t wasm_rt_grow_memory(wasm_rt_memory_t* memory, uint32_t delta) {
  using wasmlet::engine::kPageSize;
  uint32_t old_pages = memory->pages;
  uint64_t new_pages = uint64_t{old_pages} + delta;
  if (new_pages > memory->max_pages || new_pages > wasmlet::engine::kMaxPages) return UINT32_MAX;
  if (delta == 0) return old_pages;
  // Host code throughout: a deadline must not leave pages open past the memory's size, nor
  // the stash's record half-updated. The host grows memory from inside host calls too.
  bool grown = false;
  if (wasmlet::engine::enter_host() &&
      wasmlet::engine::has_room(wasmlet::engine::budget_of(memory), delta * kPageSize, 0) &&
      wasmlet::engine::open_grown(*memory, old_pages * kPageSize, new_pages * kPageSize)) {
    memory->pages = static_cast<uint32_t>(new_pages);
    memory->size = static_cast<uint32_t>(new_pages * kPageSize);
    grown = true;
  }
  if (wasmlet::engine::leave_host()) wasmlet::engine::raise_recorded_trap();
  return grown ? old_pages : UINT32_MAX;
}

void wasm_rt_free_memory(wasm_rt_memory_t* memory) {
  if (memory->data == nullptr) return;
  if (auto* budget = wasmlet::engine::uncharge(memory)) budget->remove_memory(memory);
  wasmlet::engine::memory_registry_remove(reinterpret_cast<uintptr_t>(memory->data));
  wasmlet::engine::unmap_memory_reservation(memory->data);
  memory->data = nullptr;
  memory->pages = memory->size = 0;
}

}  // extern "C"

namespace {

template <class Table, class Elem>
void allocate_table(Table* table, uint32_t elements, uint32_t max_elements) {
  table->size = 0;
  table->max_size = max_elements;
  table->data = nullptr;
  wasmlet::engine::InstanceBudget* budget = wasmlet::engine::t_budget;
  const uint64_t bytes = uint64_t{elements} * sizeof(Elem);
  bool allocated = false;
  // calloc and the registry's lock must not be interrupted by a deadline longjmp. An empty
  // table is charged too: it may grow.
  if (wasmlet::engine::enter_host() && wasmlet::engine::allocation_fits(budget, 0, bytes)) {
    if (elements > 0) table->data = static_cast<Elem*>(std::calloc(elements, sizeof(Elem)));
    allocated = elements == 0 || table->data != nullptr;
    if (allocated && budget != nullptr) {
      budget->add_table_bytes(bytes);
      wasmlet::engine::charge(table, budget);
    }
  }
  if (wasmlet::engine::leave_host()) wasmlet::engine::raise_recorded_trap();
  if (!allocated) wasmlet::engine::raise_trap(TrapKind::MemoryLimit);
  table->size = elements;
}

template <class Table, class Elem>
void free_table(Table* table) {
  if (auto* budget = wasmlet::engine::uncharge(table)) {
    budget->remove_table_bytes(uint64_t{table->size} * sizeof(Elem));
  }
  std::free(table->data);
  table->data = nullptr;
  table->size = 0;
}

template <class Table, class Elem>
uint32_t grow_table(Table* table, uint32_t delta, Elem init) {
  uint32_t old = table->size;
  uint64_t new_size = uint64_t{old} + delta;
  if (new_size > table->max_size || new_size > (uint64_t{1} << 24)) return UINT32_MAX;
  if (delta == 0) return old;
  // realloc takes the allocator's lock: a deadline must not longjmp out of it, so this runs as
  // host code and any expired deadline is raised afterwards.
  bool failed = true;
  if (wasmlet::engine::enter_host()) {
    const uint64_t bytes = uint64_t{delta} * sizeof(Elem);
    wasmlet::engine::InstanceBudget* budget = wasmlet::engine::budget_of(table);
    void* grown = wasmlet::engine::has_room(budget, 0, bytes)
                      ? std::realloc(table->data, new_size * sizeof(Elem))
                      : nullptr;
    if (grown != nullptr) {
      failed = false;
      table->data = static_cast<Elem*>(grown);
      for (uint64_t i = old; i < new_size; ++i) table->data[i] = init;
      table->size = static_cast<uint32_t>(new_size);
      if (budget != nullptr) budget->add_table_bytes(bytes);
    }
  }
  if (wasmlet::engine::leave_host()) wasmlet::engine::raise_recorded_trap();
  return failed ? UINT32_MAX : old;
}

}  // namespace

extern "C" {

void wasm_rt_allocate_funcref_table(wasm_rt_funcref_table_t* t, uint32_t n, uint32_t max) {
  allocate_table<wasm_rt_funcref_table_t, wasm_rt_funcref_t>(t, n, max);
}
void wasm_rt_free_funcref_table(wasm_rt_funcref_table_t* t) {
  free_table<wasm_rt_funcref_table_t, wasm_rt_funcref_t>(t);
}
void wasm_rt_allocate_externref_table(wasm_rt_externref_table_t* t, uint32_t n, uint32_t max) {
  allocate_table<wasm_rt_externref_table_t, wasm_rt_externref_t>(t, n, max);
}
void wasm_rt_free_externref_table(wasm_rt_externref_table_t* t) {
  free_table<wasm_rt_externref_table_t, wasm_rt_externref_t>(t);
}
uint32_t wasm_rt_grow_funcref_table(wasm_rt_funcref_table_t* t, uint32_t delta,
                                    wasm_rt_funcref_t init) {
  return grow_table(t, delta, init);
}
uint32_t wasm_rt_grow_externref_table(wasm_rt_externref_table_t* t, uint32_t delta,
                                      wasm_rt_externref_t init) {
  return grow_table(t, delta, init);
}

}  // extern "C"
