#pragma once
// Spelling wasm values and names in the C that wasm2c and the code generator emit.
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "engine/module_info.h"

namespace wasmlet::engine {

// The C type of a wasm value letter (module_info.h), and of a result list ("" is void).
std::string c_type(char t);
std::string c_return_type(std::string_view results);
// Argument k of a generic export thunk, decoded from its raw 64-bit slot, and a result encoded
// back into one.
std::string decode_arg(char t, size_t k);
std::string encode_result(char t, const std::string& expr);
// Any bytes as a C string literal that cannot end early or splice into code.
std::string c_string_literal(std::string_view s);
// The lines of generated C, without their '\n' (views into `source`).
std::vector<std::string_view> split_lines(std::string_view source);
// The C type of a pointer to an imported table, memory or global.
std::string pointer_type(const ExternType& t);

inline bool is_ident_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

}  // namespace wasmlet::engine
