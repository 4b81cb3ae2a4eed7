#pragma once
// One structured line per security-relevant event: uploads and deletes, tenant and key
// changes, grants, and every refused request. Written through spdlog's logger "audit" as a
// JSON object, e.g.
//   {"audit":"refused","tenant":"alice","action":"invoke","object":"function:bob/echo",
//    "outcome":"forbidden","status":403,"remote":"127.0.0.1"}
// so that a log pipeline can select them by the "audit" key. A flood of refusals is bounded:
// at most 100 "refused" lines a second; the rest are counted, and the next event after that
// second writes {"audit":"refused_suppressed","count":N}.
#include <chrono>
#include <functional>
#include <string_view>

namespace wasmlet::auth {

struct AuditEvent {
  std::string_view event;    // "upload", "delete", "tenant_add", "key_create", "refused", ...
  std::string_view tenant;   // who acted ("" when unauthenticated)
  std::string_view action;   // what they tried: "invoke", "upload", "read", ...
  std::string_view object;   // "function:alice/echo", "key:0123abcd...", "tenant:bob"
  std::string_view outcome;  // "ok", "unauthenticated", "forbidden", "rate_limited", ...
  int status = 0;            // the HTTP status, when there is one
  std::string_view remote;   // the client's address, when there is one
};

void audit(const AuditEvent& event);

// Where the flood bound reads the time: steady_clock, or a fake clock in tests (null restores
// steady_clock; also forgets the current second's count).
void set_audit_clock(std::function<std::chrono::steady_clock::time_point()> now);

}  // namespace wasmlet::auth
