#pragma once
// The HTTP types every part of the server shares.
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <cstdint>
#include <functional>
#include <optional>

namespace wasmlet::server {

namespace http = boost::beast::http;

using Request = http::request<http::string_body>;
using Response = http::response<http::string_body>;

// What a handler answers: the response, and the call id (if any) for the request log.
struct Reply {
  Response response;
  std::optional<uint64_t> call_id;
};

// Sends a reply on the request's connection. The first call counts, later ones are ignored.
// Callable from any thread; the connection may be gone by then, which is harmless.
using Respond = std::function<void(Reply)>;

}  // namespace wasmlet::server
