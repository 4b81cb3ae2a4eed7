#include "server/request_args.h"

#include <fmt/format.h>

#include <charconv>

#include "server/replies.h"
#include "server/router.h"

namespace wasmlet::server {

runtime::FunctionId function_id_arg(std::string_view user, std::string_view name) {
  try {
    return runtime::make_function_id(user, name);
  } catch (const Error& e) {
    throw HttpError(http::status::bad_request, "invalid_name", e.what());
  }
}

void check_user_name(std::string_view user) {
  if (!runtime::valid_name(user)) {
    throw HttpError(http::status::bad_request, "invalid_name",
                    fmt::format("invalid user name '{}' (1-64 of A-Z a-z 0-9 _ . -)", user));
  }
}

void check_state_key(std::string_view user, std::string_view key) {
  check_user_name(user);
  if (!runtime::valid_name(key)) {
    throw HttpError(http::status::bad_request, "invalid_name",
                    fmt::format("invalid state key '{}' (1-64 of A-Z a-z 0-9 _ . -)", key));
  }
}

std::optional<uint64_t> parse_call_id(std::string_view text) {
  uint64_t id = 0;
  if (text.empty() || text.front() < '0' || text.front() > '9') return std::nullopt;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return id;
}

std::optional<std::string> query_param(std::string_view query, std::string_view name) {
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    size_t eq = pair.find('=');
    if (pair.substr(0, eq) != name) continue;
    auto value =
        percent_decode(eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1));
    if (!value) {
      throw HttpError(http::status::bad_request, "bad_query",
                      fmt::format("malformed percent-escape in query parameter '{}'", name));
    }
    return value;
  }
  return std::nullopt;
}

bool query_flag(std::string_view query, std::string_view name) {
  auto value = query_param(query, name);
  return value && (value->empty() || *value == "1" || *value == "true" || *value == "yes");
}

runtime::PythonUpload python_upload_args(std::string_view query) {
  return {query_param(query, "entry").value_or(""), query_param(query, "convention").value_or("")};
}

}  // namespace wasmlet::server
