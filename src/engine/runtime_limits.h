#pragma once
#include <wasm-rt.h>

#include <cstdint>
#include <vector>

namespace wasmlet::engine {

// The host bytes one instance may hold in linear memory and tables together: its memory limit.
// Memories and tables allocated while a MemoryLimitScope for the budget is active are charged
// to it until they are freed, and so is their growth later (memory.grow and table.grow return
// -1 past the limit). The instance frees them all before its budget goes. Without this, a
// module within its memory limit could still claim gigabytes as table elements (three tables
// of 10M entries: 700 MB per instance). The first 64 KiB of table elements are free, so that
// linear memory can still reach the whole limit beside an ordinary program's function table.
class InstanceBudget {
 public:
  static constexpr uint64_t kFreeTableBytes = 65536;

  explicit InstanceBudget(uint32_t memory_pages);
  InstanceBudget(const InstanceBudget&) = delete;
  InstanceBudget& operator=(const InstanceBudget&) = delete;

  uint32_t memory_pages() const { return pages_; }
  uint64_t limit_bytes() const { return uint64_t{pages_} * 65536; }
  // The bytes charged once `memory_bytes` more linear memory and `table_bytes` more table
  // elements are held: every charged memory's pages and the tables beyond kFreeTableBytes.
  uint64_t charged_with(uint64_t memory_bytes, uint64_t table_bytes) const;

  // Called by the wasm runtime functions only. An instance runs on one thread at a time, so
  // these need no lock of their own.
  void add_memory(const wasm_rt_memory_t* memory) { memories_.push_back(memory); }
  void remove_memory(const wasm_rt_memory_t* memory);
  void add_table_bytes(uint64_t bytes) { table_bytes_ += bytes; }
  void remove_table_bytes(uint64_t bytes) { table_bytes_ -= bytes; }

 private:
  const uint32_t pages_;
  std::vector<const wasm_rt_memory_t*> memories_;
  uint64_t table_bytes_ = 0;
};

// Charges the memories and tables the current thread allocates while the scope lives (that
// is, during instantiation and restores) to `budget`. A module asking for more initial pages
// than the budget's traps with MemoryLimit; its maximum is lowered to them, so memory.grow
// past it returns -1.
class MemoryLimitScope {
 public:
  explicit MemoryLimitScope(InstanceBudget& budget);
  MemoryLimitScope(const MemoryLimitScope&) = delete;
  MemoryLimitScope& operator=(const MemoryLimitScope&) = delete;
  ~MemoryLimitScope();

 private:
  InstanceBudget* saved_;
};

}  // namespace wasmlet::engine
