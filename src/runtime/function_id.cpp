#include "runtime/function_id.h"

#include <fmt/format.h>

#include "util/error.h"

namespace wasmlet::runtime {

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
