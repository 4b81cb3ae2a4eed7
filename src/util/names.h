#pragma once
// The one rule for names a client chooses: users (tenants), functions, apps, workflows and
// state keys. 1-64 of [A-Za-z0-9_.-], not "." or "..", so a name is always one safe path
// segment and one URL segment.
#include <string_view>

namespace wasmlet::util {

bool valid_name(std::string_view name);

}  // namespace wasmlet::util
