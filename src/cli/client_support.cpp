#include "cli/client_support.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <chrono>

#include "cli/client_config.h"

namespace wasmlet::cli {

using nlohmann::json;

Name parse_name(const std::string& text, const char* what) {
  size_t slash = text.find('/');
  if (slash == std::string::npos || slash == 0 || slash + 1 == text.size() ||
      text.find('/', slash + 1) != std::string::npos) {
    throw Error(fmt::format("expected USER/{}, got '{}'", what, text));
  }
  return {text.substr(0, slash), text.substr(slash + 1)};
}

HttpClient connect_server(const ServerConnection& c) {
  ServerAddress address = parse_server_address(c.server);
  HttpClientOptions options;
  options.tls = address.tls;
  options.ca_file = c.ca_file;
  if (options.tls && options.ca_file.empty()) {
    if (auto config = load_client_config()) options.ca_file = config->cacert;
  }
  options.bearer_token = c.key;
  auto timeout = std::chrono::milliseconds(static_cast<int64_t>(c.timeout_seconds * 1000));
  options.request_timeout = timeout;
  options.connect_timeout = std::min(timeout, options.connect_timeout);
  return HttpClient(address.host, address.port, std::move(options));
}

std::string escape_segment(std::string_view s) {
  std::string out;
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) || c == '-' || c == '_' || c == '.' || c == '~')
      out += c;
    else
      out += fmt::format("%{:02X}", u);
  }
  return out;
}

std::string error_message(const HttpResponse& r) {
  json j = json::parse(r.body, nullptr, /*allow_exceptions=*/false);
  if (j.is_object() && j.contains("message") && j["message"].is_string())
    return j["message"].get<std::string>();
  std::string text = r.body;
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  if (!text.empty() && text.find('\n') == std::string::npos) return text;
  return fmt::format("HTTP {} {}", r.status, r.reason);
}

json parse_json(const HttpResponse& r) {
  json j = json::parse(r.body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded())
    throw Error(fmt::format("the server sent a response that is not JSON (HTTP {})", r.status));
  return j;
}

void expect_ok(const HttpResponse& r) {
  if (r.status < 200 || r.status >= 300) throw ServerError(error_message(r));
}

}  // namespace wasmlet::cli
