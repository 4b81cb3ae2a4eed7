#pragma once
// A function's name: a user and a function name, each 1-64 of [A-Za-z0-9_.-], not "." or "..".
#include <string>
#include <string_view>

#include "util/names.h"

namespace wasmlet::runtime {

// Tenants and user names share the rule (util/names.h).
using util::valid_name;

struct FunctionId {
  std::string user;
  std::string name;

  std::string str() const { return user + "/" + name; }
  // clang-tidy 14 sees a literal 0 in the synthesized comparison.
  auto operator<=>(const FunctionId&) const = default;  // NOLINT(modernize-use-nullptr)
};

// Throws Error("invalid user name ...") / ("invalid function name ...").
FunctionId make_function_id(std::string_view user, std::string_view name);

}  // namespace wasmlet::runtime
