// libFuzzer target: the HTTP request path after Beast has framed a request. The input is a
// method byte, a request target and (after a newline) a body, routed through a Router with
// Wasmlet's route shapes: percent-decoding of path segments, handlers parsing names, state
// keys, call ids, query parameters and Faasm's JSON invoke message. The whole input is also
// given to each parser alone. Parsers may refuse only with HttpError 400; routing answers each
// request exactly once, with 200 (a handler's) or a 4xx. Round trips hold: decode(encode(x))
// == x for percent-encoding and base64.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "runtime/function_id.h"
#include "server/json_codec.h"
#include "server/replies.h"
#include "server/request_args.h"
#include "server/router.h"
#include "util/base64.h"

namespace {

using namespace wasmlet::server;
using wasmlet::util::base64_decode;
using wasmlet::util::base64_encode;

void check(bool ok) {
  if (!ok) std::abort();
}

// A refusal must be the client's fault, named as such.
template <typename F>
void refused_only_as_400(F&& f) {
  try {
    f();
  } catch (const HttpError& e) {
    check(e.status() == http::status::bad_request);
  }
}

std::string percent_encode_all(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (char c : s) {
    auto b = static_cast<unsigned char>(c);
    out += '%';
    out += kHex[b >> 4];
    out += kHex[b & 15];
  }
  return out;
}

void ok(const Respond& respond) { respond(empty_reply(http::status::ok)); }

Router make_router() {
  constexpr auto style = ErrorStyle::Json;
  constexpr RoutePolicy kAnyone{.access = Access::Open, .action = "read"};
  Router r;
  auto function = [](Request&&, RouteMatch&& m, const Respond& respond) {
    check(m.params.size() == 2);
    auto id = function_id_arg(m.params[0], m.params[1]);
    check(wasmlet::runtime::valid_name(id.user) && wasmlet::runtime::valid_name(id.name));
    (void)python_upload_args(m.query);
    (void)query_flag(m.query, "async");
    ok(respond);
  };
  auto state = [](Request&&, RouteMatch&& m, const Respond& respond) {
    check(m.params.size() == 2);
    check_state_key(m.params[0], m.params[1]);
    check(wasmlet::runtime::valid_name(m.params[0]) && wasmlet::runtime::valid_name(m.params[1]));
    ok(respond);
  };
  auto call = [](Request&&, RouteMatch&& m, const Respond& respond) {
    check(m.params.size() == 1);
    auto id = parse_call_id(m.params[0]);
    if (!id) throw HttpError(http::status::bad_request, "bad_call_id", "not a call id");
    // Only digits are ids; leading zeros are the only other spelling of the same number.
    std::string_view digits = m.params[0];
    digits.remove_prefix(std::min(digits.find_first_not_of('0'), digits.size() - 1));
    check(std::to_string(*id) == digits);
    ok(respond);
  };
  auto file = [](Request&&, RouteMatch&& m, const Respond& respond) {
    (void)query_param(m.query, "path");
    ok(respond);
  };
  auto faasm = [](Request&& request, RouteMatch&&, const Respond& respond) {
    (void)parse_faasm_message(request.body());
    ok(respond);
  };
  r.add(http::verb::put, "/f/{}/{}", style, kAnyone, function);
  r.add(http::verb::get, "/s/{}/{}", style, kAnyone, state);
  r.add(http::verb::put, "/s/{}/{}", style, kAnyone, state);
  r.add(http::verb::put, "/file", style, kAnyone, file);
  r.add(http::verb::get, "/file", style, kAnyone, file);
  r.add(http::verb::post, "/", style, kAnyone, faasm);
  r.add(http::verb::post, "/v1/functions/{}/{}:invoke", style, kAnyone, function);
  r.add(http::verb::get, "/v1/functions/{}/{}", style, kAnyone, function);
  r.add(http::verb::delete_, "/v1/functions/{}/{}", style, kAnyone, function);
  r.add(http::verb::get, "/v1/calls/{}", style, kAnyone, call);
  r.add(http::verb::get, "/v1/state/{}/{}", style, kAnyone, state);
  return r;
}

void route(std::string_view input) {
  static const Router router = make_router();
  static constexpr http::verb kMethods[] = {http::verb::get, http::verb::put, http::verb::post,
                                            http::verb::delete_, http::verb::head};
  http::verb method = kMethods[input.empty() ? 0 : static_cast<unsigned char>(input[0]) % 5];
  // After the method byte: the target, then (after a newline) the body.
  std::string_view rest = input.empty() ? input : input.substr(1);
  size_t newline = rest.find('\n');
  std::string_view target = rest.substr(0, newline);
  Request request(method, target, 11);
  if (newline != std::string_view::npos) request.body() = std::string(rest.substr(newline + 1));
  int answers = 0;
  http::status status{};
  router.dispatch(std::move(request), [&](Reply reply) {
    ++answers;
    status = reply.response.result();
  });
  check(answers == 1);
  check(status == http::status::ok || status == http::status::bad_request ||
        status == http::status::not_found || status == http::status::method_not_allowed);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);

  auto decoded = percent_decode(input);
  if (decoded) check(decoded->size() <= input.size());
  check(percent_decode(percent_encode_all(input)) == input);

  check(base64_decode(base64_encode(input)) == input);
  if (auto bytes = base64_decode(input)) {
    check(base64_decode(base64_encode(*bytes)) == *bytes);
    check(bytes->size() <= input.size() * 3 / 4);
  }

  if (parse_call_id(input)) {
    check(!input.empty() && input.find_first_not_of("0123456789") == std::string_view::npos);
  }
  refused_only_as_400([&] { (void)query_param(input, "path"); });
  refused_only_as_400([&] { (void)python_upload_args(input); });
  refused_only_as_400([&] { (void)parse_faasm_message(input); });
  refused_only_as_400([&] { check_state_key(input, input); });
  refused_only_as_400([&] { (void)function_id_arg(input, "f"); });

  route(input);
  return 0;
}
