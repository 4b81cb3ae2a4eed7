/* The descriptor every compiled module exports for the engine: the one contract between the C
 * that codegen.cpp generates and the engine that loads it. Both sides use this header: the
 * engine includes it (module_abi.h) and the code generator pastes its text into every module,
 * so the two can never describe different layouts. Plain C, as the generated code is.
 * Change WASMLET_ABI_VERSION whenever either side changes. */
#ifndef WASMLET_MODULE_DESCRIPTOR_H
#define WASMLET_MODULE_DESCRIPTOR_H

#include <stdint.h>
#include <wasm-rt.h>

#define WASMLET_ABI_VERSION 12

enum {
  WASMLET_EXTERN_FUNC = 0,
  WASMLET_EXTERN_TABLE = 1,
  WASMLET_EXTERN_MEMORY = 2,
  WASMLET_EXTERN_GLOBAL = 3
};

/* Calls a function export with its arguments and results as raw 64-bit slots. */
typedef void (*wasmlet_export_thunk)(void* instance, const uint64_t* args, uint64_t* results);
typedef void* (*wasmlet_export_getter)(void* instance);

typedef struct wasmlet_export {
  const char* name;
  uint32_t name_len;
  uint32_t kind;                /* WASMLET_EXTERN_* */
  wasmlet_export_thunk thunk;   /* functions; null when the signature has no generic thunk */
  wasmlet_export_getter getter; /* tables, memories, globals: pointer to the object */
  void (*func)(void);           /* functions: the C function, taking the instance first */
} wasmlet_export;

typedef struct wasmlet_module {
  uint32_t abi_version; /* first, so that a loader can refuse any other layout */
  uint32_t instance_size;
  void (*init_module)(void);
  void (*instantiate)(void* instance, void* const* import_contexts);
  void (*free_instance)(void* instance);
  wasm_rt_memory_t* (*memory)(void* instance); /* null when the module has no memory */
  uint32_t import_module_count;
  const char* const* import_modules; /* sorted, as wasm2c orders instantiate's parameters */
  uint32_t export_count;
  const wasmlet_export* exports;
  /* Proto-Faaslet support: set a blank instance's import contexts; copy globals and tables
   * from an initialised instance (null when the module imports its memory); the first
   * function table (null when there is none). */
  void (*bind_imports)(void* instance, void* const* import_contexts);
  void (*copy_state)(void* destination, const void* source);
  wasm_rt_funcref_table_t* (*table)(void* instance);
} wasmlet_module;

#endif /* WASMLET_MODULE_DESCRIPTOR_H */
