#include "engine/c_syntax.h"

#include <fmt/format.h>

#include "engine/errors.h"

namespace wasmlet::engine {

std::string c_type(char t) {
  switch (t) {
    case 'i':
      return "u32";
    case 'j':
      return "u64";
    case 'f':
      return "f32";
    case 'd':
      return "f64";
    case 'r':
      return "wasm_rt_funcref_t";
    case 'e':
      return "wasm_rt_externref_t";
    default:
      throw CompileFailed(fmt::format("codegen: unknown value type '{}'", t));
  }
}

std::string c_return_type(std::string_view results) {
  if (results.empty()) return "void";
  if (results.size() == 1) return c_type(results[0]);
  return fmt::format("struct wasm_multi_{}", results);
}

std::string decode_arg(char t, size_t k) {
  switch (t) {
    case 'i':
      return fmt::format("(u32)a[{}]", k);
    case 'j':
      return fmt::format("a[{}]", k);
    case 'f':
      return fmt::format("wl_f32(a[{}])", k);
    case 'd':
      return fmt::format("wl_f64(a[{}])", k);
    case 'e':
      return fmt::format("(wasm_rt_externref_t)(uintptr_t)a[{}]", k);
    default:
      return "wasm_rt_funcref_null_value";
  }
}

std::string encode_result(char t, const std::string& expr) {
  switch (t) {
    case 'i':
      return fmt::format("(uint64_t)({})", expr);
    case 'j':
      return expr;
    case 'f':
      return fmt::format("wl_bits32({})", expr);
    case 'd':
      return fmt::format("wl_bits64({})", expr);
    case 'e':
      return fmt::format("(uint64_t)(uintptr_t)({})", expr);
    default:
      return fmt::format("(uint64_t)(uintptr_t)({}).func", expr);
  }
}

std::string c_string_literal(std::string_view s) {
  std::string out = "\"";
  for (unsigned char c : s) out += fmt::format("\\{:03o}", c);
  return out + "\"";
}

std::string pointer_type(const ExternType& t) {
  switch (t.kind) {
    case ExternKind::Memory:
      return "wasm_rt_memory_t*";
    case ExternKind::Table:
      return t.signature == "e" ? "wasm_rt_externref_table_t*" : "wasm_rt_funcref_table_t*";
    case ExternKind::Global:
      return c_type(t.signature[0]) + "*";
    case ExternKind::Func:
      break;
  }
  throw CompileFailed("codegen: functions have no pointer type");
}

std::vector<std::string_view> split_lines(std::string_view source) {
  std::vector<std::string_view> lines;
  for (size_t pos = 0; pos < source.size();) {
    size_t end = source.find('\n', pos);
    if (end == std::string_view::npos) end = source.size();
    lines.push_back(source.substr(pos, end - pos));
    pos = end + 1;
  }
  return lines;
}

}  // namespace wasmlet::engine
