#pragma once
// Who may use which route, checked before any handler runs. Every route declares a policy;
// the gate authenticates the request's key (Bearer or Basic) against the tenant store and
// decides, so that no handler can forget. Refusals are 401 (no key, or a bad, unknown or
// revoked one) and 403 (a good key, someone else's object), the same whether that object
// exists or not, and each is written to the audit log. Calls from outside are admitted by the
// caller's quotas (429 with Retry-After).
//
// Without a tenant store (or with one that holds no key) the gate is open: every request acts
// as an anonymous admin and no quota applies, as a single-user embedded server.
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "auth/principal.h"
#include "auth/rate_limiter.h"
#include "auth/tenant_store.h"
#include "server/http_types.h"

namespace wasmlet::server {

enum class Access {
  Open,    // anyone, no key needed (/healthz, /ping)
  Tenant,  // any valid key; the handler shows the key's tenant its own things only
  Owner,   // the tenant named by the route's first capture, or an admin
  Invoke,  // as Owner; also anyone when the object is public, and for a function a tenant it
           // is shared with. Admitted by quotas.
  Admin,   // admin keys only
  Body,    // a key is checked if sent; the handler authorizes (the object is named in the body)
};

struct RoutePolicy {
  Access access = Access::Owner;
  auth::ObjectKind object = auth::ObjectKind::Function;  // what the first two captures name
  std::string_view action;  // for the audit log: "invoke", "upload", "read", ...
  bool audited = false;     // changes: the outcome is written to the audit log
};

// What a request acts as, and the quota slot of its call (when it makes one).
struct Grant {
  auth::Principal principal;
  bool anonymous = false;                    // no key: a public object's caller
  std::shared_ptr<auth::CallPermit> permit;  // held until the call finishes
};

class AccessGate {
 public:
  // `store` may be null (open). It must outlive the gate.
  explicit AccessGate(auth::TenantStore* store);

  bool open() const { return store_ == nullptr || !store_->has_keys(); }
  auth::TenantStore* store() const { return store_; }

  // Authenticates and authorizes a request for a route. Throws HttpError (401, 403, 429).
  // Without `admit_call` an invocation takes no quota slot (nor can be refused one): a check of
  // the request's head before its body is read, which the full check follows.
  Grant check(const Request& request, const RoutePolicy& policy,
              std::span<const std::string> params, std::string_view remote,
              bool admit_call = true) const;

  // For Access::Body routes and handlers that find the owner later: the same decisions.
  void authorize(const Grant& grant, std::string_view action, auth::ObjectKind kind,
                 std::string_view owner, std::string_view name, std::string_view remote) const;
  // Takes a quota slot for a call to owner's object; throws HttpError 429 when refused.
  std::shared_ptr<auth::CallPermit> admit(const Grant& grant, std::string_view owner,
                                          std::string_view remote) const;

  // Whether `grant` may see an object of `owner` (lists, call records).
  static bool may_see(const Grant& grant, std::string_view owner) {
    return !grant.anonymous && grant.principal.may_act_for(owner);
  }
  // The tenant a call made with `grant` belongs to (runtime::Invocation::tenant): the key's;
  // empty for an anonymous caller of a public object (its owner's call, then).
  static std::string tenant_of(const Grant& grant) {
    return grant.anonymous ? std::string() : grant.principal.tenant;
  }

 private:
  // `foreign_ok`: credentials that are not a Wasmlet key at all (a web app's own Basic
  // auth) count as none; a Wasmlet key that is unknown or revoked is refused either way.
  // `object` names what was asked for, in a refusal's audit line (built only then).
  std::optional<auth::Principal> authenticate(const Request& request, bool foreign_ok,
                                              std::string_view action,
                                              const std::function<std::string()>& object,
                                              std::string_view remote) const;
  bool invocable(const Grant& grant, auth::ObjectKind kind, std::string_view owner,
                 std::string_view name) const;

  auth::TenantStore* store_;
  mutable auth::RateLimiter limiter_;
};

// "function:alice/echo"
std::string object_label(auth::ObjectKind kind, std::string_view owner, std::string_view name);

}  // namespace wasmlet::server
