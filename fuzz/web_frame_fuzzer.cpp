// libFuzzer target: what a web app's Faaslet answers (server::decode_web_response), URL rules
// with paths (server::UrlRule), and requests framed for a Faaslet from a client's headers
// (server::encode_web_request), all from untrusted bytes. A bad frame is FrameError and
// nothing else; an accepted one has a status in 200-599 and headers that cannot split a
// response. A request frame's lengths add up to its size and its header names are environ
// names. The first input byte picks the target; a rule is the text up to a newline, the path
// the rest; request headers are lines, name and value alternating, the last line the body.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <utility>
#include <vector>

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
  check(response.status >= 200 && response.status <= 599);
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

uint32_t u32_at(std::string_view s, size_t pos) {
  uint32_t v = 0;
  for (size_t i = 0; i < 4; ++i) v |= uint32_t{static_cast<unsigned char>(s[pos + i])} << (8 * i);
  return v;
}

void fuzz_request(std::string_view input) {
  std::vector<std::string_view> lines;
  for (size_t at = 0;;) {
    size_t newline = input.find('\n', at);
    lines.push_back(input.substr(at, newline - at));
    if (newline == std::string_view::npos) break;
    at = newline + 1;
  }
  wasmlet::server::WebRequest request;
  request.body = lines.back();
  for (size_t i = 0; i + 2 < lines.size(); i += 2)
    request.headers.emplace_back(lines[i], lines[i + 1]);
  std::string frame = wasmlet::server::encode_web_request(request);
  check(frame.size() >= 8 && frame.substr(0, 4) == "WSR1");
  size_t count = u32_at(frame, 4);
  check(count >= 10 && (count - 10) % 2 == 0 && frame.size() >= 8 + 4 * count);
  size_t total = 8 + 4 * count;
  std::vector<size_t> lengths;
  for (size_t i = 0; i < count; ++i) lengths.push_back(u32_at(frame, 8 + 4 * i));
  for (size_t length : lengths) total += length;
  check(total == frame.size());
  check(lengths.back() == request.body.size());
  size_t at = 8 + 4 * count;
  for (size_t i = 0; i + 1 < count; ++i) {
    std::string_view item = std::string_view(frame).substr(at, lengths[i]);
    if (i >= 9 && (i - 9) % 2 == 0) {
      check(item == "CONTENT_TYPE" || item.substr(0, 5) == "HTTP_");
    }
    at += lengths[i];
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 3) {
    case 0:
      fuzz_frame(input);
      break;
    case 1:
      fuzz_rule(input);
      break;
    default:
      fuzz_request(input);
  }
  return 0;
}
