#include "server/v1_api.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "server/json_codec.h"
#include "server/metrics_text.h"
#include "server/request_args.h"
#include "server/stats_api.h"
#include "server/upload_quota.h"
#include "server/v1_invoke.h"

namespace wasmlet::server {

namespace {

constexpr ErrorStyle kStyle = ErrorStyle::Json;
using http::status;
using nlohmann::json;

Reply not_found(std::string_view code, const std::string& message) {
  return error_reply(kStyle, status::not_found, code, message);
}

void add_function_routes(Router& router, const ApiContext& ctx) {
  // Before "/v1/functions/{}/{}", which would take "name:invoke" for a name.
  router.add(http::verb::post, "/v1/functions/{}/{}:invoke", kStyle,
             {.access = Access::Invoke, .action = "invoke"},
             [ctx](Request&& request, RouteMatch&& m, const Respond& respond) {
               runtime::Invocation invocation;
               invocation.function = function_id_arg(m.params[0], m.params[1]);
               Forwarding forwarding = forwarding_of(request);
               invocation.input = std::move(request.body());
               invoke_v1(ctx, std::move(invocation), m, respond, forwarding);
             });

  router.add(http::verb::get, "/v1/functions", kStyle, {.access = Access::Tenant, .action = "list"},
             [ctx](Request&&, RouteMatch&& m, const Respond& respond) {
               json list = json::array();
               for (const auto& info : ctx.runtime.functions()) {
                 if (AccessGate::may_see(m.grant, info.id.user)) {
                   list.push_back(function_info_json(info));
                 }
               }
               respond(json_reply(status::ok, list));
             });

  router.add(http::verb::get, "/v1/functions/{}/{}", kStyle,
             {.access = Access::Owner, .action = "read"},
             [ctx](Request&&, RouteMatch&& m, const Respond& respond) {
               auto id = function_id_arg(m.params[0], m.params[1]);
               auto info = ctx.runtime.function(id);
               respond(info ? json_reply(status::ok, function_info_json(*info))
                            : not_found("unknown_function", "no function " + id.str()));
             });

  // ?kind=python stores a Python source file or package archive instead of a module, with
  // optional &entry=module:function&convention=NAME.
  router.add(http::verb::put, "/v1/functions/{}/{}", kStyle,
             {.access = Access::Owner, .action = "upload", .audited = true},
             [ctx](Request&& request, RouteMatch&& m, const Respond& respond) {
               auto id = function_id_arg(m.params[0], m.params[1]);
               bool python = query_param(m.query, "kind") == "python";
               auto allowance = check_upload_quota(ctx, id, request.body().size(),
                                                   python ? UploadKind::Python : UploadKind::Wasm);
               auto how = python_upload_args(m.query);
               how.quota_bytes = allowance.quota_bytes;
               reply_compiling(ctx, kStyle, respond,
                               // `pending` counts the upload against the quota until it is stored.
                               [ctx, id, python, how, stop = m.abandoned,
                                pending = allowance.pending, body = std::move(request.body())] {
                                 auto info =
                                     python ? ctx.runtime.upload_python(id, body, how)
                                            : ctx.runtime.upload_wasm(id, as_bytes(body), stop);
                                 return json_reply(status::ok, function_info_json(info));
                               });
             });

  router.add(http::verb::delete_, "/v1/functions/{}/{}", kStyle,
             {.access = Access::Owner, .action = "delete", .audited = true},
             [ctx](Request&&, RouteMatch&& m, const Respond& respond) {
               auto id = function_id_arg(m.params[0], m.params[1]);
               reply_blocking(ctx, kStyle, respond, [ctx, id] {
                 if (!ctx.runtime.remove_function(id)) {
                   return not_found("unknown_function", "no function " + id.str());
                 }
                 // A function made again under this name is not public or shared by accident.
                 forget_grants(ctx, auth::ObjectKind::Function, id);
                 return empty_reply(status::no_content);
               });
             });
}

void add_call_routes(Router& router, const ApiContext& ctx) {
  router.add(http::verb::get, "/v1/calls/{}", kStyle, {.access = Access::Tenant, .action = "read"},
             [ctx](Request&&, RouteMatch&& m, const Respond& respond) {
               auto id = parse_call_id(m.params[0]);
               if (!id) {
                 throw HttpError(status::bad_request, "bad_call_id",
                                 fmt::format("'{}' is not a call id", m.params[0]));
               }
               if (ctx.cluster != nullptr && cluster::is_cluster_call(*id)) {
                 // The cluster's queue keeps it in Redis, whichever host ran it.
                 reply_blocking(ctx, kStyle, respond, [ctx, id = *id, grant = m.grant] {
                   auto record = ctx.cluster->call_record(id);
                   if (record && !AccessGate::may_see(grant, record->owner())) {
                     record.reset();
                   }
                   Reply reply =
                       record ? json_reply(status::ok, call_record_json(*record))
                              : not_found("unknown_call", fmt::format("no call {} (unknown, or its "
                                                                      "result expired)",
                                                                      id));
                   reply.call_id = id;
                   return reply;
                 });
                 return;
               }
               auto record = ctx.runtime.call_record(*id);
               // Another tenant's call is not there for this one: the same 404 as none.
               if (record && !AccessGate::may_see(m.grant, record->owner())) {
                 record.reset();
               }
               Reply reply =
                   record
                       ? json_reply(status::ok, call_record_json(*record))
                       : not_found("unknown_call",
                                   fmt::format("no call {} (unknown, or its result expired)", *id));
               reply.call_id = *id;
               respond(std::move(reply));
             });
}

void add_state_routes(Router& router, const ApiContext& ctx) {
  router.add(http::verb::get, "/v1/state/{}/{}", kStyle,
             {.access = Access::Owner, .object = auth::ObjectKind::State, .action = "read"},
             [ctx](Request&&, RouteMatch&& m, const Respond& respond) {
               check_state_key(m.params[0], m.params[1]);
               reply_blocking(ctx, kStyle, respond, [ctx, m = std::move(m)] {
                 auto value = ctx.runtime.state().get(m.params[0], m.params[1]);
                 if (!value) {
                   return not_found("unknown_key",
                                    fmt::format("no state {}/{}", m.params[0], m.params[1]));
                 }
                 return binary_reply(status::ok, std::move(*value));
               });
             });

  router.add(http::verb::put, "/v1/state/{}/{}", kStyle,
             {.access = Access::Owner, .object = auth::ObjectKind::State, .action = "write"},
             [ctx](Request&& request, RouteMatch&& m, const Respond& respond) {
               check_state_key(m.params[0], m.params[1]);
               reply_blocking(ctx, kStyle, respond,
                              [ctx, m = std::move(m), body = std::move(request.body())]() mutable {
                                ctx.runtime.state().put(m.params[0], m.params[1], std::move(body));
                                return empty_reply(status::no_content);
                              });
             });
}

void add_service_routes(Router& router, const ApiContext& ctx) {
  router.add(http::verb::get, "/healthz", kStyle, {.access = Access::Open, .action = "read"},
             [](Request&&, RouteMatch&&, const Respond& respond) {
               respond(json_reply(status::ok, {{"status", "ok"}}));
             });

  router.add(http::verb::get, "/metrics", kStyle, {.access = Access::Admin, .action = "read"},
             [ctx](Request&&, RouteMatch&&, const Respond& respond) {
               Reply reply = text_reply(status::ok, render_metrics(ctx.runtime.metrics()));
               reply.response.set(http::field::content_type, kPrometheusContentType);
               respond(std::move(reply));
             });
}

}  // namespace

void add_v1_routes(Router& router, const ApiContext& ctx) {
  add_function_routes(router, ctx);
  add_call_routes(router, ctx);
  add_state_routes(router, ctx);
  add_service_routes(router, ctx);
  add_stats_routes(router, ctx);
}

}  // namespace wasmlet::server
