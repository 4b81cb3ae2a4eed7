#pragma once
// Maps a request's method and path to a handler. Unknown paths get 404, a known path with the
// wrong method 405 with Allow; a handler's exception becomes an error reply in its route's style.
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>
#include <vector>

#include "server/http_types.h"
#include "server/replies.h"

namespace wasmlet::server {

// "%41b" -> "Ab"; nullopt for a malformed escape.
std::optional<std::string> percent_decode(std::string_view s);

struct RouteMatch {
  std::vector<std::string> params;  // captured path segments, percent-decoded, in order
  std::string query;                // after '?', raw
  std::string rest;                 // what a "{**}" pattern matched: "/..." raw, or empty
  std::string remote_address;       // the client's IP address
  // Requested when the client disconnects before it was answered: work done only for it
  // (a synchronous call, a compile) should stop.
  std::stop_token abandoned;
};

// Handlers answer through `respond`, now or later (from any thread), exactly once.
using Handler = std::function<void(Request&& request, RouteMatch&& match, const Respond& respond)>;

class Router {
 public:
  // A pattern is a path of literal segments and "{}" captures; a capture may carry a literal
  // suffix ("{}:invoke"). Patterns are tried in the order they were first added, and the first
  // whose shape matches decides, so add the more specific of two overlapping shapes first.
  void add(http::verb method, std::string_view pattern, ErrorStyle style, Handler handler);
  // Every method, on a pattern whose last segment is "{**}": the rest of the path (zero or more
  // segments) goes to RouteMatch::rest, undecoded.
  void add_any_method(std::string_view pattern, ErrorStyle style, Handler handler);

  // Always answers exactly once through `respond`.
  void dispatch(Request&& request, const Respond& respond, std::stop_token abandoned = {},
                std::string_view remote_address = {}) const;

 private:
  struct Segment {
    bool capture = false;
    std::string text;  // the literal, or a capture's suffix
  };
  struct Route {
    std::string pattern;
    std::vector<Segment> segments;
    ErrorStyle style = ErrorStyle::Json;
    std::vector<std::pair<http::verb, Handler>> methods;
    Handler any_method;  // set for add_any_method routes, whose pattern ended in "{**}"
  };

  static std::vector<Segment> parse_segments(const std::vector<std::string>& parts);
  static bool match(const Route& route, const std::vector<std::string>& path,
                    std::vector<std::string>& params);
  static std::string rest_of(std::string_view path, size_t segments);

  std::vector<Route> routes_;
};

}  // namespace wasmlet::server
