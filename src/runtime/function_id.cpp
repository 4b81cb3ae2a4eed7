#include "runtime/function_id.h"

#include <fmt/format.h>

#include "util/error.h"

namespace wasmlet::runtime {

bool valid_name(std::string_view name) {
  if (name.empty() || name.size() > 64 || name == "." || name == "..") return false;
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-' || c == '.';
    if (!ok) return false;
  }
  return true;
}

FunctionId make_function_id(std::string_view user, std::string_view name) {
  if (!valid_name(user)) {
    throw Error(fmt::format("invalid user name '{}' (1-64 of A-Z a-z 0-9 _ . -)", user));
  }
  if (!valid_name(name)) {
    throw Error(fmt::format("invalid function name '{}' (1-64 of A-Z a-z 0-9 _ . -)", name));
  }
  return {std::string(user), std::string(name)};
}

}  // namespace wasmlet::runtime
