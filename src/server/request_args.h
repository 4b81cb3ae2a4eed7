#pragma once
// Path parameters and query strings turned into runtime arguments; bad ones are refused with
// HttpError 400.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "runtime/function_id.h"
#include "runtime/runtime.h"

namespace wasmlet::server {

runtime::FunctionId function_id_arg(std::string_view user, std::string_view name);
void check_user_name(std::string_view user);
// State keys follow the same rules as names (runtime::valid_name).
void check_state_key(std::string_view user, std::string_view key);

// A call id: decimal digits only.
std::optional<uint64_t> parse_call_id(std::string_view text);

// The percent-decoded value of `name` in a query string "a=1&b=2"; a malformed escape is a 400.
std::optional<std::string> query_param(std::string_view query, std::string_view name);
// True when the parameter is present and "1", "true", "yes" or empty.
bool query_flag(std::string_view query, std::string_view name);

// A Python upload's ?entry=module:function&convention=NAME.
runtime::PythonUpload python_upload_args(std::string_view query);

}  // namespace wasmlet::server
