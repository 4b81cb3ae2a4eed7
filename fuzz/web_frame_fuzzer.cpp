// libFuzzer target: what a web app's Faaslet answers (server::decode_web_response), and URL
// rules with paths (server::UrlRule), both from untrusted bytes. A bad frame is FrameError and
// nothing else; an accepted one has a status in 100-599 and headers that cannot split a
// response. The first input byte picks the target; a rule is the text up to a newline, the
// path the rest.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "server/http_frame.h"
#include "server/url_rule.h"

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

void fuzz_frame(std::string_view input) {
  wasmlet::server::WebResponse response;
  try {
    response = wasmlet::server::decode_web_response(input);
  } catch (const wasmlet::server::FrameError&) {
    return;
  }
  check(response.status >= 100 && response.status <= 599);
  for (const auto& [name, value] : response.headers) {
    check(!name.empty());
    check(name.find_first_of("\r\n: ") == std::string_view::npos);
    check(value.find_first_of("\r\n") == std::string_view::npos);
  }
}

void fuzz_rule(std::string_view input) {
  size_t newline = input.find('\n');
  std::string_view rule = input.substr(0, newline);
  std::string_view path = newline == std::string_view::npos ? "" : input.substr(newline + 1);
  try {
    wasmlet::server::UrlRule parsed(rule);
    (void)parsed.matches(path);
  } catch (const wasmlet::server::RuleError&) {
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (data[0] & 1) {
    fuzz_rule(input);
  } else {
    fuzz_frame(input);
  }
  return 0;
}
