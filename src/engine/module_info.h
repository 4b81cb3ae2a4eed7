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

  const Export* find_export(std::string_view name) const;
};

// Throws Error("malformed module: ...") on a structurally broken binary.
ModuleInfo parse_module_info(std::span<const unsigned char> wasm);

// Parameter and result letters of a signature "params>results".
std::string_view signature_params(std::string_view sig);
std::string_view signature_results(std::string_view sig);

}  // namespace wasmlet::engine
