#include "server/router.h"

#include <fmt/format.h>

#include <optional>

#include "auth/audit_log.h"

namespace wasmlet::server {

namespace {

// "/a/b" -> {"a", "b"}; "/" -> {}. Segments stay encoded: a decoded "/" must not split them.
std::vector<std::string> split_path(std::string_view path) {
  std::vector<std::string> segments;
  if (path.starts_with('/')) path.remove_prefix(1);
  if (path.empty()) return segments;
  while (true) {
    size_t slash = path.find('/');
    segments.emplace_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return segments;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::optional<std::string> percent_decode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out += s[i];
      continue;
    }
    if (i + 2 >= s.size()) return std::nullopt;
    int hi = hex_value(s[i + 1]), lo = hex_value(s[i + 2]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out += static_cast<char>(hi * 16 + lo);
    i += 2;
  }
  return out;
}

void Router::add(http::verb method, std::string_view pattern, ErrorStyle style, RoutePolicy policy,
                 Handler handler) {
  for (auto& route : routes_) {
    if (route.pattern == pattern) {
      route.methods.push_back({method, policy, std::move(handler)});
      return;
    }
  }
  Route route;
  route.pattern = std::string(pattern);
  route.style = style;
  route.segments = parse_pattern(pattern, route.tail);
  route.methods.push_back({method, policy, std::move(handler)});
  routes_.push_back(std::move(route));
}

std::vector<Router::RouteInfo> Router::routes() const {
  std::vector<RouteInfo> out;
  for (const auto& route : routes_) {
    if (route.any_method) {
      out.push_back({route.pattern, {}, route.any_method_policy});
      continue;
    }
    for (const auto& method : route.methods) {
      out.push_back({route.pattern, {method.verb}, method.policy});
    }
  }
  return out;
}

std::vector<Router::Segment> Router::parse_segments(const std::vector<std::string>& parts) {
  std::vector<Segment> segments;
  for (const auto& part : parts) {
    Segment segment;
    segment.capture = part.starts_with("{}");
    segment.text = segment.capture ? part.substr(2) : part;
    segments.push_back(std::move(segment));
  }
  return segments;
}

std::vector<Router::Segment> Router::parse_pattern(std::string_view pattern, bool& tail) {
  auto parts = split_path(pattern);
  tail = !parts.empty() && parts.back() == "{**}";
  if (tail) parts.pop_back();
  return parse_segments(parts);
}

void Router::add_any_method(std::string_view pattern, ErrorStyle style, RoutePolicy policy,
                            Handler handler) {
  Route route;
  route.pattern = std::string(pattern);
  route.style = style;
  route.segments = parse_pattern(pattern, route.tail);
  if (!route.tail) throw Error(fmt::format("route pattern '{}' does not end in {{**}}", pattern));
  route.any_method = std::move(handler);
  route.any_method_policy = policy;
  routes_.push_back(std::move(route));
}

std::string Router::rest_of(std::string_view path, size_t segments) {
  if (path.starts_with('/')) path.remove_prefix(1);
  for (size_t i = 0; i < segments; ++i) {
    size_t slash = path.find('/');
    if (slash == std::string_view::npos) return {};
    path.remove_prefix(slash + 1);
  }
  return "/" + std::string(path);
}

bool Router::match(const Route& route, const std::vector<std::string>& path,
                   std::vector<std::string>& params) {
  if (route.tail ? path.size() < route.segments.size() : route.segments.size() != path.size()) {
    return false;
  }
  params.clear();
  for (size_t i = 0; i < route.segments.size(); ++i) {
    const Segment& seg = route.segments[i];
    const std::string& part = path[i];
    if (!seg.capture) {
      if (part != seg.text) return false;
      continue;
    }
    if (part.size() <= seg.text.size() || !part.ends_with(seg.text)) return false;
    params.push_back(part.substr(0, part.size() - seg.text.size()));
  }
  return true;
}

Router::Found Router::find(http::verb verb, const std::vector<std::string>& path) const {
  Found found;
  for (const auto& route : routes_) {
    if (!match(route, path, found.params)) continue;
    found.route = &route;
    for (auto& p : found.params) {
      auto decoded = percent_decode(p);
      if (!decoded) {
        found.bad_encoding = true;
        return found;
      }
      p = std::move(*decoded);
    }
    if (route.any_method) {
      found.policy = &route.any_method_policy;
      found.handler = &route.any_method;
      return found;
    }
    const bool head = verb == http::verb::head;
    for (const auto& method : route.methods) {
      if (method.verb != verb && !(head && method.verb == http::verb::get)) continue;
      found.policy = &method.policy;
      found.handler = &method.handler;
      return found;
    }
    return found;
  }
  return found;
}

void Router::dispatch(Request&& request, const Respond& respond, std::stop_token abandoned,
                      std::string_view remote_address) const {
  std::string_view target = request.target();
  size_t q = target.find('?');
  std::string_view path = target.substr(0, q);
  Found found = find(request.method(), split_path(path));
  if (found.route == nullptr) {
    respond(error_reply(ErrorStyle::Json, http::status::not_found, "not_found",
                        fmt::format("no route for {} {}", std::string(request.method_string()),
                                    std::string(path))));
    return;
  }
  const Route& route = *found.route;
  if (found.bad_encoding) {
    respond(error_reply(route.style, http::status::bad_request, "bad_request",
                        "bad percent-encoding in the path"));
    return;
  }
  if (found.handler == nullptr) {
    std::string allow;
    for (const auto& entry : route.methods) {
      if (!allow.empty()) allow += ", ";
      allow += std::string(http::to_string(entry.verb));
      if (entry.verb == http::verb::get) allow += ", HEAD";
    }
    Reply reply =
        error_reply(route.style, http::status::method_not_allowed, "method_not_allowed",
                    fmt::format("{} is not allowed on {} (allowed: {})",
                                std::string(request.method_string()), std::string(path), allow));
    reply.response.set(http::field::allow, allow);
    respond(std::move(reply));
    return;
  }
  RouteMatch m;
  m.abandoned = std::move(abandoned);
  m.params = std::move(found.params);
  m.remote_address = std::string(remote_address);
  if (route.tail) m.rest = rest_of(path, route.segments.size());
  if (q != std::string_view::npos) m.query = std::string(target.substr(q + 1));
  run(route, *found.policy, *found.handler, std::move(request), std::move(m), respond);
}

std::optional<Reply> Router::refusal_before_body(const Request& head,
                                                 std::string_view remote_address) const {
  if (gate_ == nullptr) return std::nullopt;
  std::string_view target = head.target();
  Found found = find(head.method(), split_path(target.substr(0, target.find('?'))));
  // No route, a bad path or no such method: dispatch answers those.
  if (found.policy == nullptr || found.bad_encoding) return std::nullopt;
  try {
    (void)gate_->check(head, *found.policy, found.params, remote_address, /*admit_call=*/false);
  } catch (...) {
    return reply_for_current_exception(found.route->style);
  }
  return std::nullopt;
}

void Router::run(const Route& route, const RoutePolicy& policy, const Handler& handler,
                 Request&& request, RouteMatch&& m, const Respond& respond) const {
  try {
    if (gate_ != nullptr) {
      m.grant = gate_->check(request, policy, m.params, m.remote_address);
    } else {
      m.grant.principal.role = auth::Role::Admin;
    }
  } catch (...) {
    refuse(route.style, respond);
    return;
  }
  Respond answer = respond;
  if (policy.audited) {
    // The change's outcome is known when it is answered.
    std::string object = object_label(policy.object, m.params.empty() ? std::string() : m.params[0],
                                      m.params.size() < 2 ? std::string() : m.params[1]);
    answer = [respond, action = policy.action, tenant = m.grant.principal.tenant,
              object = std::move(object), remote = m.remote_address](Reply reply) {
      const int code = static_cast<int>(reply.response.result_int());
      auth::audit({.event = action,
                   .tenant = tenant,
                   .action = action,
                   .object = object,
                   .outcome = code < 400 ? "ok" : "failed",
                   .status = code,
                   .remote = remote});
      respond(std::move(reply));
    };
  }
  try {
    handler(std::move(request), std::move(m), answer);
  } catch (...) {
    // Handlers throw only before they answer; a second answer would be ignored anyway.
    refuse(route.style, answer);
  }
}

void Router::refuse(ErrorStyle style, const Respond& respond) const {
  Reply reply = reply_for_current_exception(style);
  if (defer_ && reply.response.result() == http::status::too_many_requests) {
    defer_(kQuotaRefusalDelay,
           [respond, reply = std::move(reply)]() mutable { respond(std::move(reply)); });
    return;
  }
  respond(std::move(reply));
}

}  // namespace wasmlet::server
