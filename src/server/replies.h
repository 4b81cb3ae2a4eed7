#pragma once
// Building replies, and turning errors into them.
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "server/http_types.h"
#include "util/error.h"

namespace wasmlet::server {

// How a route renders its errors: Faasm's routes answer with the message as plain text (what
// Faasm clients print), everything else with JSON {"error": code, "message": text}.
enum class ErrorStyle { PlainText, Json };

// A refusal raised by a handler: the status, a short machine-readable code, a message, and
// headers the refusal needs (Retry-After, WWW-Authenticate).
class HttpError : public Error {
 public:
  using Headers = std::vector<std::pair<http::field, std::string>>;
  HttpError(http::status status, std::string code, const std::string& message, Headers headers = {})
      : Error(message), status_(status), code_(std::move(code)), headers_(std::move(headers)) {}
  http::status status() const { return status_; }
  const std::string& code() const { return code_; }
  const Headers& headers() const { return headers_; }

 private:
  http::status status_;
  std::string code_;
  Headers headers_;
};

Reply text_reply(http::status status, std::string body);
Reply binary_reply(http::status status, std::string body);
// Strings that are not valid UTF-8 are rendered with U+FFFD instead of failing.
Reply json_reply(http::status status, const nlohmann::json& body);
Reply empty_reply(http::status status);
Reply error_reply(ErrorStyle style, http::status status, std::string_view code,
                  std::string_view message);

// The reply for the exception being handled (call only inside a catch block): HttpError as it
// says; the runtime's refusals as 503 with Retry-After (queue full, state backend down), 404
// (unknown function), 400 (upload refused) and 501 (function kind not runnable here); the tenant
// store's as 404, 409 and 400; anything else 500.
Reply reply_for_current_exception(ErrorStyle style);

}  // namespace wasmlet::server
