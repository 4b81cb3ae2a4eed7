#pragma once
// Maps a request's method and path to a handler. Unknown paths get 404, a known path with the
// wrong method 405 with Allow; a handler's exception becomes an error reply in its route's style.
// Each route declares who may use it (RoutePolicy); with an AccessGate set, a request reaches
// its handler only once the gate has allowed it, and changes are written to the audit log.
#include <chrono>
#include <functional>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>
#include <vector>

#include "server/access_gate.h"
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
  Grant grant;                      // who the request acts as (see AccessGate)
  // Requested when the client disconnects before it was answered: work done only for it
  // (a synchronous call, a compile) should stop.
  std::stop_token abandoned;
};

// Handlers answer through `respond`, now or later (from any thread), exactly once.
using Handler = std::function<void(Request&& request, RouteMatch&& match, const Respond& respond)>;

class Router {
 public:
  // A pattern is a path of literal segments and "{}" captures; a capture may carry a literal
  // suffix ("{}:invoke"). A last segment "{**}" takes the rest of the path (zero or more
  // segments) into RouteMatch::rest, undecoded. Patterns are tried in the order they were first
  // added, and the first whose shape matches decides, so add the more specific of two
  // overlapping shapes first.
  void add(http::verb method, std::string_view pattern, ErrorStyle style, RoutePolicy policy,
           Handler handler);
  // Every method, on a pattern whose last segment is "{**}": the rest of the path (zero or more
  // segments) goes to RouteMatch::rest, undecoded.
  void add_any_method(std::string_view pattern, ErrorStyle style, RoutePolicy policy,
                      Handler handler);
  // Checks every request before its handler; none (the default): every request acts as an
  // anonymous admin. Must outlive the router.
  void set_gate(const AccessGate* gate) { gate_ = gate; }
  // Runs a task after a delay (on the server's timers). With one set, refusals for being over a
  // quota (429) are answered only after kQuotaRefusalDelay: a client that ignores Retry-After
  // and hammers gets one refusal per connection per delay, and costs the server (and the other
  // tenants) little CPU.
  using Defer = std::function<void(std::chrono::milliseconds, std::function<void()>)>;
  void set_defer(Defer defer) { defer_ = std::move(defer); }
  static constexpr std::chrono::milliseconds kQuotaRefusalDelay{200};

  // Each route's pattern, methods and policy (for tests that check every route).
  struct RouteInfo {
    std::string pattern;
    std::vector<http::verb> methods;  // empty: any method
    RoutePolicy policy;
  };
  std::vector<RouteInfo> routes() const;

  // Always answers exactly once through `respond`.
  void dispatch(Request&& request, const Respond& respond, std::stop_token abandoned = {},
                std::string_view remote_address = {}) const;

  // The gate's refusal of a request from its head alone (401, 403, 429), so that a body is not
  // read for a client that may not send it; nullopt when the gate lets it through, or when no
  // route takes it (dispatch answers that).
  std::optional<Reply> refusal_before_body(const Request& head,
                                           std::string_view remote_address) const;

 private:
  struct Segment {
    bool capture = false;
    std::string text;  // the literal, or a capture's suffix
  };
  struct Method {
    http::verb verb;
    RoutePolicy policy;
    Handler handler;
  };
  struct Route {
    std::string pattern;
    std::vector<Segment> segments;
    ErrorStyle style = ErrorStyle::Json;
    std::vector<Method> methods;
    bool tail = false;  // the pattern ended in "{**}"
    // Set for add_any_method routes.
    Handler any_method;
    RoutePolicy any_method_policy;
  };

  static std::vector<Segment> parse_segments(const std::vector<std::string>& parts);
  // Splits a pattern into segments, without its "{**}", and says whether it had one.
  static std::vector<Segment> parse_pattern(std::string_view pattern, bool& tail);
  static bool match(const Route& route, const std::vector<std::string>& path,
                    std::vector<std::string>& params);
  // What a request's method and path reach: the first route whose shape matches the path (null:
  // none), its captures decoded (`bad_encoding` when one cannot be), and the method's policy
  // and handler there (null: the route has none for it; HEAD is served by GET's).
  struct Found {
    const Route* route = nullptr;
    std::vector<std::string> params;
    bool bad_encoding = false;
    const RoutePolicy* policy = nullptr;
    const Handler* handler = nullptr;
  };
  Found find(http::verb verb, const std::vector<std::string>& path) const;
  static std::string rest_of(std::string_view path, size_t segments);
  // Lets the gate decide, then runs the handler (answering for either's exception).
  void run(const Route& route, const RoutePolicy& policy, const Handler& handler, Request&& request,
           RouteMatch&& m, const Respond& respond) const;

  std::vector<Route> routes_;
  const AccessGate* gate_ = nullptr;
  Defer defer_;
  // Answers with the exception being handled, late when it is a quota refusal.
  void refuse(ErrorStyle style, const Respond& respond) const;
};

}  // namespace wasmlet::server
