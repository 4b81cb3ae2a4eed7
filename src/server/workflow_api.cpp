#include "server/workflow_api.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "server/json_codec.h"
#include "server/request_args.h"
#include "server/v1_invoke.h"

namespace wasmlet::server {

namespace {

using http::status;
using nlohmann::json;

constexpr ErrorStyle kStyle = ErrorStyle::Json;

json workflow_info_json(const workflow::WorkflowInfo& info) {
  return {{"user", info.id.user},
          {"name", info.id.name},
          {"functions", info.functions},
          {"bytes", info.bytes},
          {"uploaded_at", rfc3339(info.uploaded_at)}};
}

Reply unknown_workflow(const runtime::FunctionId& id) {
  return error_reply(kStyle, status::not_found, "unknown_workflow", "no workflow " + id.str());
}

// An upload's refusal: the definition's problem (naming its state), or a name or quota clash.
Reply refused_upload() {
  try {
    throw;
  } catch (const workflow::DefinitionError& e) {
    return json_reply(status::bad_request, {{"error", "invalid_definition"},
                                            {"state", e.state()},
                                            {"problem", e.problem()},
                                            {"message", e.what()}});
  } catch (const workflow::NameTaken& e) {
    return error_reply(kStyle, status::conflict, "name_taken", e.what());
  } catch (const workflow::TooManyWorkflows& e) {
    return error_reply(kStyle, status::forbidden, "too_many_workflows", e.what());
  } catch (...) {
    return reply_for_current_exception(kStyle);
  }
}

}  // namespace

void add_workflow_routes(Router& router, const ApiContext& ctx,
                         workflow::WorkflowRegistry& workflows) {
  // Before "/v1/workflows/{}/{}", which would take "name:invoke" for a name.
  router.add(http::verb::post, "/v1/workflows/{}/{}:invoke", kStyle,
             {.access = Access::Invoke, .object = auth::ObjectKind::Workflow, .action = "invoke"},
             [ctx, &workflows](Request&& request, RouteMatch&& m, const Respond& respond) {
               runtime::Invocation invocation;
               invocation.function = function_id_arg(m.params[0], m.params[1]);
               if (!workflows.contains(invocation.function)) {
                 return respond(unknown_workflow(invocation.function));
               }
               invocation.input = std::move(request.body());
               invoke_v1(ctx, std::move(invocation), m, respond);
             });

  router.add(http::verb::get, "/v1/workflows", kStyle,
             {.access = Access::Tenant, .object = auth::ObjectKind::Workflow, .action = "list"},
             [&workflows](Request&&, RouteMatch&& m, const Respond& respond) {
               json list = json::array();
               for (const auto& info : workflows.list()) {
                 if (AccessGate::may_see(m.grant, info.id.user)) {
                   list.push_back(workflow_info_json(info));
                 }
               }
               respond(json_reply(status::ok, list));
             });

  // The definition as uploaded.
  router.add(http::verb::get, "/v1/workflows/{}/{}", kStyle,
             {.access = Access::Owner, .object = auth::ObjectKind::Workflow, .action = "read"},
             [&workflows](Request&&, RouteMatch&& m, const Respond& respond) {
               auto id = function_id_arg(m.params[0], m.params[1]);
               auto text = workflows.definition(id);
               if (!text) return respond(unknown_workflow(id));
               Reply reply = binary_reply(status::ok, std::move(*text));
               reply.response.set(http::field::content_type, "application/json");
               respond(std::move(reply));
             });

  router.add(http::verb::put, "/v1/workflows/{}/{}", kStyle,
             {.access = Access::Owner,
              .object = auth::ObjectKind::Workflow,
              .action = "upload",
              .audited = true},
             [ctx, &workflows](Request&& request, RouteMatch&& m, const Respond& respond) {
               auto id = function_id_arg(m.params[0], m.params[1]);
               ctx.run_blocking([&workflows, id, respond, body = std::move(request.body())] {
                 Reply reply;
                 try {
                   reply = json_reply(status::ok, workflow_info_json(workflows.put(id, body)));
                 } catch (...) {
                   reply = refused_upload();
                 }
                 respond(std::move(reply));
               });
             });

  router.add(http::verb::delete_, "/v1/workflows/{}/{}", kStyle,
             {.access = Access::Owner,
              .object = auth::ObjectKind::Workflow,
              .action = "delete",
              .audited = true},
             [ctx, &workflows](Request&&, RouteMatch&& m, const Respond& respond) {
               auto id = function_id_arg(m.params[0], m.params[1]);
               reply_blocking(ctx, kStyle, respond, [ctx, &workflows, id] {
                 if (!workflows.remove(id)) return unknown_workflow(id);
                 forget_grants(ctx, auth::ObjectKind::Workflow, id);
                 return empty_reply(status::no_content);
               });
             });
}

}  // namespace wasmlet::server
