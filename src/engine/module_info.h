#pragma once
// What the engine needs to know about a module before compiling it: its imports, exports
// and their types, read straight from the binary (no validation beyond structure).
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "engine/module_abi.h"

namespace wasmlet::engine {

// Value types as one letter each, wasm2c's own convention: i=i32 j=i64 f=f32 d=f64
// r=funcref e=externref. A function signature is "params>results", e.g. "ii>i".
struct Limits {
  uint64_t min = 0;
  std::optional<uint64_t> max;
};

struct ExternType {
  ExternKind kind = ExternKind::Func;
  std::string signature;  // Func: "params>results"; Global: one letter; Table: element letter
  bool mutable_global = false;
  Limits limits;  // Table, Memory
};

struct Import {
  std::string module;
  std::string name;
  ExternType type;
};

struct Export {
  std::string name;
  ExternType type;
};

struct ModuleInfo {
  std::vector<Import> imports;
  std::vector<Export> exports;
  bool has_memory = false;
  bool memory_imported = false;
  Limits memory_limits;
  // Sizes the module limits look at; imports and exports are counted above.
  uint64_t bytes = 0;
  uint64_t functions = 0;      // defined ones
  uint64_t globals = 0;        // imported and defined
  uint64_t tables = 0;         // imported and defined
  uint64_t largest_table = 0;  // initial elements of the largest table
  uint64_t data_segments = 0;
  uint64_t element_segments = 0;

  const Export* find_export(std::string_view name) const;
};

// What the engine accepts before translating a module. Each bounds something a small upload can
// make expensive: wasm2c's time grows with the square of the imports, clang's memory with the
// data segments (200,000 kept it at 3 GB for minutes), an instance's size with its tables. The
// defaults are well above what CPython 3.11 for WASI needs (20 MB, ~12,000 functions, ~100
// imports, ~22,000 data segments, a table of ~10,000 elements).
struct ModuleLimits {
  uint64_t bytes = uint64_t{64} << 20;
  uint64_t functions = 200'000;
  uint64_t imports = 10'000;
  uint64_t exports = 200'000;
  uint64_t globals = 100'000;
  uint64_t data_segments = 100'000;
  uint64_t element_segments = 10'000;
  uint64_t tables = 100;
  uint64_t table_elements = 1'000'000;  // initial size of any one table
  uint64_t memory_pages = 16'384;       // initial size of the memory (1 GiB)
};

// Throws ModuleRejected("malformed module: ...") on a structurally broken binary.
ModuleInfo parse_module_info(std::span<const unsigned char> wasm);
// The same, but first checks the size and, once parsed, every other entry of `limits`: throws
// LimitExceeded naming the first one the module is over.
ModuleInfo parse_module_info(std::span<const unsigned char> wasm, const ModuleLimits& limits);

// Parameter and result letters of a signature "params>results".
std::string_view signature_params(std::string_view sig);
std::string_view signature_results(std::string_view sig);

}  // namespace wasmlet::engine
