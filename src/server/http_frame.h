#pragma once
// The binary framing between Wasmlet and a web app's Faaslet (sdk/python/guest/wasmlet_web/
// frame.py is the same format in Python, and describes it). Bodies travel as they are: no
// base64, no JSON. A request: the magic "WSR1", a little-endian u32 count of items, every
// item's u32 length, then the items, the body last (the guest reads it with one unpack and
// one decode). A response: the magic "WSF1", a u32 count, then each item as a u32 length and
// its bytes.
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "util/error.h"

namespace wasmlet::server {

// A guest's output that is not a well-formed response frame.
class FrameError : public Error {
 public:
  using Error::Error;
};

struct WebRequest {
  std::string_view kind = "app";  // the request runs through the whole app
  std::string_view method, scheme, host, script_name;
  std::string_view path;  // raw, percent-encoded, as on the request line
  std::string_view query, remote_address, endpoint, body;
  std::vector<std::pair<std::string_view, std::string_view>> headers;
};

struct WebResponse {
  std::string kind;  // "response"
  unsigned status = 0;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

inline constexpr size_t kMaxFrameItems = 1 << 16;

// The headers as a WSGI environ holds them (PEP 3333): HTTP_ and the name in upper case with
// '-' as '_', repeated names joined with ','; Content-Type as CONTENT_TYPE; Content-Length
// left out (the body's own length stands).
std::vector<std::pair<std::string, std::string>> environ_headers(
    const std::vector<std::pair<std::string_view, std::string_view>>& headers);

// The request's items in frame order, its headers as environ_headers() gives them.
std::string encode_web_request(const WebRequest& request);

// Throws FrameError for anything but a well-formed response: a bad magic, counts or lengths
// that overrun, trailing bytes, a status outside 200-599, a header name that is not an HTTP
// token or a value with a control character (no response splitting through a guest).
WebResponse decode_web_response(std::string_view frame);

}  // namespace wasmlet::server
