// Wasmlet's implementation of the wasm2c runtime interface (<wasm-rt.h>), replacing the stock
// wasm-rt-impl.c: per-thread traps (trap.cpp), memories that own their whole reservation and
// never move, and a thread-safe function-type registry shared by every loaded module.
#include <sys/mman.h>
#include <wasm-rt.h>

#include <cstdarg>
#include <cstdlib>
#include <cstring>
#include <vector>

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

thread_local uint32_t t_memory_limit_pages = kMaxPages;

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

MemoryLimitScope::MemoryLimitScope(uint32_t pages) : saved_(t_memory_limit_pages) {
  t_memory_limit_pages = pages < kMaxPages ? pages : kMaxPages;
}
MemoryLimitScope::~MemoryLimitScope() { t_memory_limit_pages = saved_; }

}  // namespace wasmlet::engine

using wasmlet::engine::kMemoryReservation;
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
  uint32_t limit = wasmlet::engine::t_memory_limit_pages;
  if (max_pages > limit) max_pages = limit;
  memory->max_pages = max_pages;
  if (initial_pages > max_pages) wasmlet::engine::raise_trap(TrapKind::MemoryLimit);

  // Runs as host code so a deadline cannot strand a reservation that is mapped but not owned.
  void* base = MAP_FAILED;
  uint64_t bytes = initial_pages * wasmlet::engine::kPageSize;
  if (wasmlet::engine::enter_host()) {
    base = mmap(nullptr, kMemoryReservation, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
                -1, 0);
    if (base != MAP_FAILED &&
        ((bytes != 0 && mprotect(base, bytes, PROT_READ | PROT_WRITE) != 0) ||
         !wasmlet::engine::memory_registry_add(reinterpret_cast<uintptr_t>(base)))) {
      munmap(base, kMemoryReservation);
      base = MAP_FAILED;
    }
    if (base != MAP_FAILED) memory->data = static_cast<uint8_t*>(base);
  }
  if (wasmlet::engine::leave_host()) wasmlet::engine::raise_recorded_trap();
  if (base == MAP_FAILED) wasmlet::engine::raise_trap(TrapKind::MemoryLimit);
  memory->pages = initial_pages;
  memory->size = static_cast<uint32_t>(bytes);
}

uint32_t wasm_rt_grow_memory(wasm_rt_memory_t* memory, uint32_t delta) {
  uint32_t old_pages = memory->pages;
  uint64_t new_pages = uint64_t{old_pages} + delta;
  if (new_pages > memory->max_pages || new_pages > wasmlet::engine::kMaxPages) return UINT32_MAX;
  if (delta != 0 && mprotect(memory->data + old_pages * wasmlet::engine::kPageSize,
                             delta * wasmlet::engine::kPageSize, PROT_READ | PROT_WRITE) != 0) {
    return UINT32_MAX;
  }
  memory->pages = static_cast<uint32_t>(new_pages);
  memory->size = static_cast<uint32_t>(new_pages * wasmlet::engine::kPageSize);
  return old_pages;
}

void wasm_rt_free_memory(wasm_rt_memory_t* memory) {
  if (memory->data == nullptr) return;
  wasmlet::engine::memory_registry_remove(reinterpret_cast<uintptr_t>(memory->data));
  munmap(memory->data, kMemoryReservation);
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
  if (elements > 0) {
    // calloc must not be interrupted by a deadline longjmp.
    if (wasmlet::engine::enter_host()) {
      table->data = static_cast<Elem*>(std::calloc(elements, sizeof(Elem)));
    }
    if (wasmlet::engine::leave_host()) wasmlet::engine::raise_recorded_trap();
    if (table->data == nullptr) wasmlet::engine::raise_trap(TrapKind::MemoryLimit);
  }
  table->size = elements;
}

template <class Table>
void free_table(Table* table) {
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
  bool failed = false;
  if (wasmlet::engine::enter_host()) {
    void* grown = std::realloc(table->data, new_size * sizeof(Elem));
    if (grown == nullptr) {
      failed = true;
    } else {
      table->data = static_cast<Elem*>(grown);
      for (uint64_t i = old; i < new_size; ++i) table->data[i] = init;
      table->size = static_cast<uint32_t>(new_size);
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
void wasm_rt_free_funcref_table(wasm_rt_funcref_table_t* t) { free_table(t); }
void wasm_rt_allocate_externref_table(wasm_rt_externref_table_t* t, uint32_t n, uint32_t max) {
  allocate_table<wasm_rt_externref_table_t, wasm_rt_externref_t>(t, n, max);
}
void wasm_rt_free_externref_table(wasm_rt_externref_table_t* t) { free_table(t); }
uint32_t wasm_rt_grow_funcref_table(wasm_rt_funcref_table_t* t, uint32_t delta,
                                    wasm_rt_funcref_t init) {
  return grow_table(t, delta, init);
}
uint32_t wasm_rt_grow_externref_table(wasm_rt_externref_table_t* t, uint32_t delta,
                                      wasm_rt_externref_t init) {
  return grow_table(t, delta, init);
}

}  // extern "C"
