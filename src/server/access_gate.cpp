#include "server/access_gate.h"

#include <fmt/format.h>

#include "auth/api_key.h"
#include "auth/audit_log.h"
#include "server/replies.h"

namespace wasmlet::server {

namespace {

using http::status;

// Written to the audit log, then thrown.
[[noreturn]] void refuse(status code, std::string_view error, const std::string& message,
                         std::string_view tenant, std::string_view action, std::string_view object,
                         std::string_view remote, HttpError::Headers headers = {}) {
  auth::audit({.event = "refused",
               .tenant = tenant,
               .action = action,
               .object = object,
               .outcome = error,
               .status = static_cast<int>(code),
               .remote = remote});
  throw HttpError(code, std::string(error), message, std::move(headers));
}

HttpError::Headers challenge() {
  return {{http::field::www_authenticate, R"(Bearer realm="wasmlet", Basic realm="wasmlet")"}};
}

}  // namespace

std::string object_label(auth::ObjectKind kind, std::string_view owner, std::string_view name) {
  if (owner.empty()) return std::string(auth::object_kind_name(kind));
  if (name.empty()) return fmt::format("{}:{}", auth::object_kind_name(kind), owner);
  return fmt::format("{}:{}/{}", auth::object_kind_name(kind), owner, name);
}

AccessGate::AccessGate(auth::TenantStore* store) : store_(store) {}

std::optional<auth::Principal> AccessGate::authenticate(const Request& request, bool foreign_ok,
                                                        std::string_view action,
                                                        const std::function<std::string()>& object,
                                                        std::string_view remote) const {
  auto header = request.find(http::field::authorization);
  if (header == request.end()) return std::nullopt;
  auto key = auth::parse_authorization(header->value());
  if (!key) {
    if (foreign_ok) return std::nullopt;
    refuse(status::unauthorized, "unauthenticated",
           "the Authorization header is not 'Bearer KEY' or Basic credentials with a key", "",
           action, object(), remote, challenge());
  }
  auto principal = store_->authenticate(*key);
  if (!principal) {
    refuse(status::unauthorized, "unauthenticated", "unknown or revoked API key", "", action,
           object(), remote, challenge());
  }
  return principal;
}

bool AccessGate::invocable(const Grant& grant, auth::ObjectKind kind, std::string_view owner,
                           std::string_view name) const {
  if (!grant.anonymous && grant.principal.may_act_for(owner)) return true;
  if (store_->is_public(kind, owner, name)) return true;
  return !grant.anonymous && kind == auth::ObjectKind::Function &&
         store_->is_shared(owner, name, grant.principal.tenant);
}

Grant AccessGate::check(const Request& request, const RoutePolicy& policy,
                        std::span<const std::string> params, std::string_view remote,
                        bool admit_call) const {
  if (open()) return Grant{{.tenant = {}, .role = auth::Role::Admin, .key_id = {}}, false, {}};
  if (policy.access == Access::Open) return Grant{{}, true, {}};
  std::string_view owner = params.empty() ? std::string_view() : std::string_view(params[0]);
  std::string_view name = params.size() < 2 ? std::string_view() : std::string_view(params[1]);
  const bool owned = policy.access == Access::Owner || policy.access == Access::Invoke;
  // Only refusals name the object.
  auto label = [&] { return owned ? object_label(policy.object, owner, name) : std::string(); };

  Grant grant;
  auto principal =
      authenticate(request, policy.access == Access::Invoke, policy.action, label, remote);
  if (!principal) {
    grant.anonymous = true;
    if (policy.access == Access::Body) return grant;
    if (policy.access == Access::Invoke && invocable(grant, policy.object, owner, name)) {
      if (admit_call) grant.permit = admit(grant, owner, remote);
      return grant;
    }
    refuse(status::unauthorized, "unauthenticated", "this request needs an API key", "",
           policy.action, label(), remote, challenge());
  }
  grant.principal = std::move(*principal);
  const auto& who = grant.principal;
  switch (policy.access) {
    case Access::Open:
    case Access::Tenant:
    case Access::Body:
      return grant;
    case Access::Admin:
      if (!who.admin()) {
        refuse(status::forbidden, "forbidden", "this request needs an admin key", who.tenant,
               policy.action, label(), remote);
      }
      return grant;
    case Access::Owner:
      if (!who.may_act_for(owner)) {
        refuse(
            status::forbidden, "forbidden",
            fmt::format("tenant '{}' may not {} objects of '{}'", who.tenant, policy.action, owner),
            who.tenant, policy.action, label(), remote);
      }
      return grant;
    case Access::Invoke:
      if (!invocable(grant, policy.object, owner, name)) {
        refuse(status::forbidden, "forbidden",
               fmt::format("tenant '{}' may not invoke {}", who.tenant, label()), who.tenant,
               policy.action, label(), remote);
      }
      if (admit_call) grant.permit = admit(grant, owner, remote);
      return grant;
  }
  return grant;
}

void AccessGate::authorize(const Grant& grant, std::string_view action, auth::ObjectKind kind,
                           std::string_view owner, std::string_view name,
                           std::string_view remote) const {
  if (open()) return;
  const bool invoke = action == "invoke";
  if (invoke ? invocable(grant, kind, owner, name)
             : !grant.anonymous && grant.principal.may_act_for(owner)) {
    return;
  }
  std::string object = object_label(kind, owner, name);
  if (grant.anonymous) {
    refuse(status::unauthorized, "unauthenticated", "this request needs an API key", "", action,
           object, remote, challenge());
  }
  refuse(status::forbidden, "forbidden",
         fmt::format("tenant '{}' may not {} {}", grant.principal.tenant, action, object),
         grant.principal.tenant, action, object, remote);
}

std::shared_ptr<auth::CallPermit> AccessGate::admit(const Grant& grant, std::string_view owner,
                                                    std::string_view remote) const {
  if (open()) return nullptr;
  // A public object's anonymous callers spend its owner's quota.
  std::string_view tenant = grant.anonymous ? owner : std::string_view(grant.principal.tenant);
  auto admission = limiter_.admit(tenant, store_->quotas(tenant));
  if (admission.refusal) {
    const bool rate = admission.refusal->kind == auth::Refusal::Kind::Rate;
    refuse(status::too_many_requests, rate ? "rate_limited" : "too_many_calls",
           rate
               ? fmt::format("tenant '{}' is over its calls-per-second quota", tenant)
               : fmt::format("tenant '{}' has as many calls in flight as its quota allows", tenant),
           tenant, "invoke", owner, remote,
           {{http::field::retry_after, std::to_string(admission.refusal->retry_after.count())}});
  }
  return std::make_shared<auth::CallPermit>(std::move(admission.permit));
}

}  // namespace wasmlet::server
