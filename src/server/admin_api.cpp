#include "server/admin_api.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "auth/access_json.h"
#include "auth/quotas.h"
#include "server/json_codec.h"
#include "server/request_args.h"

namespace wasmlet::server {

namespace {

constexpr ErrorStyle kStyle = ErrorStyle::Json;
using http::status;
using nlohmann::json;

json parse_body(const Request& request) {
  if (request.body().empty()) return json::object();
  json j = parse_body_json(request.body());
  if (j.is_discarded() || !j.is_object()) {
    throw HttpError(status::bad_request, "bad_request", "the body is not a JSON object");
  }
  return j;
}

auth::ObjectKind grant_kind(std::string_view name) {
  if (name == "function") return auth::ObjectKind::Function;
  if (name == "app") return auth::ObjectKind::App;
  if (name == "workflow") return auth::ObjectKind::Workflow;
  throw HttpError(status::bad_request, "bad_request",
                  fmt::format("'{}' cannot be made public (function, app or workflow)", name));
}

bool bool_field(const json& body, const char* name) {
  auto it = body.find(name);
  if (it == body.end() || !it->is_boolean()) {
    throw HttpError(status::bad_request, "bad_request",
                    fmt::format("the body needs a boolean \"{}\"", name));
  }
  return it->get<bool>();
}

std::string optional_string_field(const json& body, const char* name, std::string fallback) {
  auto it = body.find(name);
  if (it == body.end()) return fallback;
  if (!it->is_string()) {
    throw HttpError(status::bad_request, "bad_request",
                    fmt::format("\"{}\" in the body must be a string", name));
  }
  return it->get<std::string>();
}

RoutePolicy admin(std::string_view action, auth::ObjectKind object) {
  return {.access = Access::Admin, .object = object, .action = action, .audited = true};
}

RoutePolicy admin_read(auth::ObjectKind object) {
  return {.access = Access::Admin, .object = object, .action = "read"};
}

// PUT {"public": bool} on OWNER/NAME of `kind`.
void set_public(const ApiContext& ctx, auth::TenantStore& store, auth::ObjectKind kind,
                const std::string& owner, const std::string& name, const Request& request,
                const Respond& respond) {
  auto id = function_id_arg(owner, name);
  bool on = bool_field(parse_body(request), "public");
  reply_blocking(ctx, kStyle, respond, [&store, kind, id, on] {
    store.set_public(kind, id.user, id.name, on);
    return empty_reply(status::no_content);
  });
}

// PUT {"shared": bool} on .../OWNER/FUNCTION/.../GRANTEE (the captures in that order).
Handler share_handler(const ApiContext& ctx, auth::TenantStore& store) {
  return [ctx, &store](Request&& request, RouteMatch&& m, const Respond& respond) {
    auto id = function_id_arg(m.params[0], m.params[1]);
    const std::string& grantee = m.params[2];
    if (!runtime::valid_name(grantee)) {
      throw HttpError(status::bad_request, "bad_request",
                      fmt::format("invalid tenant name '{}'", grantee));
    }
    bool on = bool_field(parse_body(request), "shared");
    reply_blocking(ctx, kStyle, respond, [&store, id, grantee, on] {
      store.share_function(id.user, id.name, grantee, on);
      return empty_reply(status::no_content);
    });
  };
}

// Changes write the store's file: off the I/O threads.
void add_tenant_routes(Router& router, const ApiContext& ctx, auth::TenantStore& store) {
  constexpr auto kTenant = auth::ObjectKind::Tenant;
  router.add(http::verb::get, "/v1/admin/tenants", kStyle, admin_read(kTenant),
             [&store](Request&&, RouteMatch&&, const Respond& respond) {
               json list = json::array();
               for (const auto& t : store.tenants()) list.push_back(auth::tenant_to_json(t));
               respond(json_reply(status::ok, {{"tenants", std::move(list)}}));
             });
  router.add(http::verb::put, "/v1/admin/tenants/{}", kStyle, admin("tenant_add", kTenant),
             [ctx, &store](Request&& request, RouteMatch&& m, const Respond& respond) {
               json body = parse_body(request);
               std::string role = optional_string_field(body, "role", "tenant");
               if (role != "tenant" && role != "admin") {
                 throw HttpError(status::bad_request, "bad_request",
                                 fmt::format("unknown role '{}' (tenant or admin)", role));
               }
               reply_blocking(ctx, kStyle, respond, [&store, name = m.params[0], role] {
                 auto t = store.add_tenant(
                     name, role == "admin" ? auth::Role::Admin : auth::Role::Tenant);
                 return json_reply(status::created, auth::tenant_to_json(t));
               });
             });
  router.add(http::verb::delete_, "/v1/admin/tenants/{}", kStyle, admin("tenant_rm", kTenant),
             [ctx, &store](Request&&, RouteMatch&& m, const Respond& respond) {
               if (m.params[0] == m.grant.principal.tenant) {
                 throw HttpError(status::conflict, "conflict",
                                 "an admin cannot remove its own tenant");
               }
               reply_blocking(ctx, kStyle, respond, [ctx, &store, name = m.params[0]] {
                 store.remove_tenant(name);
                 ctx.runtime.tenant_changed(name);
                 return empty_reply(status::no_content);
               });
             });
  router.add(http::verb::get, "/v1/admin/tenants/{}/quotas", kStyle, admin_read(kTenant),
             [&store](Request&&, RouteMatch&& m, const Respond& respond) {
               auto t = store.tenant(m.params[0]);
               if (!t) {
                 throw HttpError(status::not_found, "unknown_tenant",
                                 fmt::format("no tenant '{}'", m.params[0]));
               }
               respond(json_reply(status::ok, auth::quotas_to_json(t->quotas)));
             });
  router.add(http::verb::put, "/v1/admin/tenants/{}/quotas", kStyle, admin("quota_set", kTenant),
             [ctx, &store](Request&& request, RouteMatch&& m, const Respond& respond) {
               json body = parse_body(request);
               reply_blocking(ctx, kStyle, respond, [ctx, &store, name = m.params[0], body] {
                 auto t = store.tenant(name);
                 if (!t) throw auth::NotFound(fmt::format("no tenant '{}'", name));
                 auth::Quotas q;
                 try {
                   q = auth::quotas_from_json(body, t->quotas);
                 } catch (const Error& e) {
                   throw HttpError(status::bad_request, "bad_quotas", e.what());
                 }
                 store.set_quotas(name, q);
                 ctx.runtime.tenant_changed(name);
                 return json_reply(status::ok, auth::quotas_to_json(q));
               });
             });
}

void add_key_routes(Router& router, const ApiContext& ctx, auth::TenantStore& store) {
  constexpr auto kKey = auth::ObjectKind::Key;
  router.add(http::verb::post, "/v1/admin/tenants/{}/keys", kStyle,
             admin("key_create", auth::ObjectKind::Tenant),
             [ctx, &store](Request&& request, RouteMatch&& m, const Respond& respond) {
               json body = parse_body(request);
               std::string label = optional_string_field(body, "label", "");
               reply_blocking(ctx, kStyle, respond, [&store, tenant = m.params[0], label] {
                 auth::ApiKey key = store.create_key(tenant, label);
                 return json_reply(status::created,
                                   {{"id", key.id}, {"tenant", tenant}, {"key", key.text()}});
               });
             });
  router.add(http::verb::get, "/v1/admin/keys", kStyle, admin_read(kKey),
             [&store](Request&&, RouteMatch&& m, const Respond& respond) {
               auto tenant = query_param(m.query, "tenant");
               json list = json::array();
               for (const auto& k : tenant ? store.keys_of(*tenant) : store.keys()) {
                 list.push_back(auth::key_to_json(k));
               }
               respond(json_reply(status::ok, {{"keys", std::move(list)}}));
             });
  router.add(http::verb::delete_, "/v1/admin/keys/{}", kStyle, admin("key_revoke", kKey),
             [ctx, &store](Request&&, RouteMatch&& m, const Respond& respond) {
               reply_blocking(ctx, kStyle, respond, [&store, id = m.params[0]] {
                 store.revoke_key(id);
                 return empty_reply(status::no_content);
               });
             });
}

void add_grant_routes(Router& router, const ApiContext& ctx, auth::TenantStore& store) {
  router.add(http::verb::put, "/v1/admin/grants/public/{}/{}/{}", kStyle,
             admin("grant_public", auth::ObjectKind::Tenant),
             [ctx, &store](Request&& request, RouteMatch&& m, const Respond& respond) {
               set_public(ctx, store, grant_kind(m.params[0]), m.params[1], m.params[2], request,
                          respond);
             });
  router.add(http::verb::put, "/v1/admin/grants/share/{}/{}/{}", kStyle,
             admin("grant_share", auth::ObjectKind::Function), share_handler(ctx, store));
}

// The same grants, made by the object's owner.
void add_owner_grant_routes(Router& router, const ApiContext& ctx, auth::TenantStore& store) {
  const std::pair<auth::ObjectKind, const char*> kinds[] = {
      {auth::ObjectKind::Function, "/v1/functions/{}/{}/public"},
      {auth::ObjectKind::App, "/v1/apps/{}/{}/public"},
      {auth::ObjectKind::Workflow, "/v1/workflows/{}/{}/public"}};
  for (const auto& entry : kinds) {
    const auth::ObjectKind kind = entry.first;  // a copy: clang 14 cannot capture a binding
    router.add(http::verb::put, entry.second, kStyle,
               {.access = Access::Owner, .object = kind, .action = "grant_public", .audited = true},
               [ctx, &store, kind](Request&& request, RouteMatch&& m, const Respond& respond) {
                 set_public(ctx, store, kind, m.params[0], m.params[1], request, respond);
               });
  }
  router.add(http::verb::put, "/v1/functions/{}/{}/shares/{}", kStyle,
             {.access = Access::Owner, .action = "grant_share", .audited = true},
             share_handler(ctx, store));
}

}  // namespace

void add_admin_routes(Router& router, const ApiContext& ctx, auth::TenantStore& store) {
  add_tenant_routes(router, ctx, store);
  add_key_routes(router, ctx, store);
  add_grant_routes(router, ctx, store);
  add_owner_grant_routes(router, ctx, store);
}

}  // namespace wasmlet::server
