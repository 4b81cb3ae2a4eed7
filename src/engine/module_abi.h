#pragma once
// The contract between the engine and a compiled module. codegen.cpp emits C that fills these
// structs; the engine reads them after dlopen. Change kAbiVersion whenever either side changes.
#include <wasm-rt.h>

#include <cstdint>

namespace wasmlet::engine {

inline constexpr uint32_t kAbiVersion = 11;

enum class ExternKind : uint32_t { Func = 0, Table = 1, Memory = 2, Global = 3 };

extern "C" {

// Calls a function export with arguments and results as raw 64-bit slots.
using ExportThunk = void (*)(void* instance, const uint64_t* args, uint64_t* results);
using ExportGetter = void* (*)(void* instance);

struct AbiExport {
  const char* name;
  uint32_t name_len;
  uint32_t kind;        // ExternKind
  ExportThunk thunk;    // functions; null when the signature has no generic thunk
  ExportGetter getter;  // tables, memories, globals: pointer to the object
  void (*func)(void);   // functions: the C function, taking the instance first
};

struct AbiModule {
  uint32_t abi_version;
  uint32_t instance_size;
  void (*init_module)(void);
  void (*instantiate)(void* instance, void* const* import_contexts);
  void (*free_instance)(void* instance);
  wasm_rt_memory_t* (*memory)(void* instance);  // null when the module has no memory
  uint32_t import_module_count;
  const char* const* import_modules;  // sorted, as wasm2c orders instantiate's parameters
  uint32_t export_count;
  const AbiExport* exports;
  // Proto-Faaslet support: set a blank instance's import contexts; copy globals and tables
  // from an initialised instance (null when the module imports its memory); the first
  // function table (null when there is none).
  void (*bind_imports)(void* instance, void* const* import_contexts);
  void (*copy_state)(void* destination, const void* source);
  wasm_rt_funcref_table_t* (*table)(void* instance);
};

}  // extern "C"

}  // namespace wasmlet::engine
