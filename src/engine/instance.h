#pragma once
// One instantiation of a module: its globals, memory and tables, in storage the engine owns.
#include <cstdlib>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "engine/memory_image.h"
#include "engine/module.h"
#include "engine/runtime_limits.h"
#include "engine/trap.h"
#include "util/error.h"

namespace wasmlet::engine {

// Thrown when instantiation itself traps (start function, data segment out of bounds, memory
// limit), carrying the trap.
class TrapError : public Error {
 public:
  explicit TrapError(Trap trap) : Error(trap.describe()), trap_(std::move(trap)) {}
  const Trap& trap() const { return trap_; }

 private:
  Trap trap_;
};

struct InstanceLimits {
  uint32_t memory_pages = 65536;  // cap on linear memory and tables together, in 64 KiB pages
  CallLimits start;               // limits for the start function
};

// Selects the Instance constructor that builds an empty shell for snapshot restores.
struct BlankInstance {};

class Instance {
 public:
  // import_contexts: one pointer per import module, keyed by module name; host modules get the
  // host context, linked modules a link table.
  Instance(std::shared_ptr<const Module> module,
           const std::map<std::string, void*>& import_contexts, const InstanceLimits& limits);
  // An instance with its imports bound and an empty memory reserved (under the limit), but no
  // initialisation at all: restore() fills it from a template. Requires abi().copy_state.
  Instance(BlankInstance, std::shared_ptr<const Module> module,
           const std::map<std::string, void*>& import_contexts, const InstanceLimits& limits);
  Instance(const Instance&) = delete;
  Instance& operator=(const Instance&) = delete;
  ~Instance();

  const Module& module() const { return *module_; }
  void* raw() const { return storage_.get(); }
  wasm_rt_memory_t* memory() const;

  // Makes this instance a copy of `source` (an instance of the same module, initialised) whose
  // memory was captured in `image`: globals and tables copied, memory mapped copy-on-write.
  // A module without memory passes no image. `again`: this instance was restored from the
  // same source and image before, and keeps up to `keep_pages` written pages private (see
  // MemoryImage::restore; `writes_here` likewise). Throws TrapError (MemoryLimit) when tables
  // that must be allocated again do not fit; the instance is then not usable.
  void restore(const Instance& source, const MemoryImage* image, bool again = false,
               size_t keep_pages = 0, bool writes_here = true);

  // Calls entry `index` of the function table if it has type () -> i32 or () -> (); the
  // i32 result (0 for none) goes to `result`.
  std::optional<Trap> call_table_entry(uint32_t index, int32_t& result,
                                       const CallLimits& limits = {});

  // Calls a function export through its generic thunk; args and results hold raw bits.
  std::optional<Trap> call(const AbiExport& fn, std::span<const uint64_t> args,
                           std::span<uint64_t> results, const CallLimits& limits = {});
  // Calls an export of type () -> () directly, e.g. `_start`.
  std::optional<Trap> call_void(const AbiExport& fn, const CallLimits& limits = {});

 private:
  struct FreeDeleter {
    void operator()(void* p) const { std::free(p); }
  };
  std::vector<void*> contexts_for(const std::map<std::string, void*>& import_contexts) const;

  std::shared_ptr<const Module> module_;
  // What its memories and tables are charged to; outlives them (freed in the destructor's body).
  std::unique_ptr<InstanceBudget> budget_;
  std::unique_ptr<void, FreeDeleter> storage_;
  // Whether the memory's writes are tracked, which spares resets a look at every page.
  MemoryImage::Tracking memory_tracking_;
};

}  // namespace wasmlet::engine
