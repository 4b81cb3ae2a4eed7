#include "server/faasm_api.h"

#include <fmt/format.h>

#include "auth/quotas.h"
#include "server/invoke.h"
#include "server/json_codec.h"
#include "server/request_args.h"
#include "server/shared_files.h"
#include "server/upload_quota.h"

namespace wasmlet::server {

namespace {

// Faasm's routes answer in plain text, errors included.
constexpr ErrorStyle kStyle = ErrorStyle::PlainText;
using http::status;

// What Faasm put in a call's body: the output, or for a failure without output the reason.
// With stdout captured, what the call printed comes first, then a newline. Faasm's Python
// interpreter printed "Python call succeeded" after a good call, so that line ends a Python
// call's stdout.
std::string faasm_output(const runtime::CallRecord& record, bool capture_stdout, bool python) {
  bool ok = record.status == runtime::CallStatus::Succeeded;
  std::string out;
  if (capture_stdout) {
    std::string printed = record.stdout_text;
    if (python && ok) printed += "Python call succeeded\n";
    if (!printed.empty()) out = printed + "\n";
  }
  if (!ok && record.output.empty()) {
    out += record.error_message.empty() ? fmt::format("function returned {}", record.return_code)
                                        : record.error_message;
  } else {
    out += record.output;
  }
  return out;
}

std::string faasm_status(const runtime::CallRecord& record, bool capture_stdout) {
  switch (record.status) {
    case runtime::CallStatus::Queued:
    case runtime::CallStatus::Running:
      return "RUNNING";
    case runtime::CallStatus::Succeeded:
      return "SUCCESS: " + faasm_output(record, capture_stdout, false);
    case runtime::CallStatus::Failed:
      return "FAILED: " + faasm_output(record, capture_stdout, false);
  }
  return "RUNNING";
}

void status_query(const ApiContext& ctx, uint64_t id, const RouteMatch& m, const Respond& respond) {
  auto record = ctx.runtime.call_record(id);
  // Another tenant's call is not there for this one: the same answer as none.
  if (record && !AccessGate::may_see(m.grant, record->owner())) record.reset();
  Reply reply = record
                    ? text_reply(status::ok, faasm_status(*record, ctx.capture_stdout))
                    // "FAILED" so that a client polling for a final answer stops.
                    : text_reply(status::not_found, fmt::format("FAILED: no call with id {}", id));
  reply.call_id = id;
  respond(std::move(reply));
}

void invoke(const ApiContext& ctx, Request&& request, const RouteMatch& m, const Respond& respond) {
  FaasmMessage msg = parse_faasm_message(request.body());
  if (msg.status_id) return status_query(ctx, *msg.status_id, m, respond);

  // Faasm addresses a Python function as python/py_func with the real name in py_user/py_func.
  runtime::FunctionId id = msg.python
                               ? function_id_arg(msg.py_user.empty() ? msg.user : msg.py_user,
                                                 msg.py_func.empty() ? msg.function : msg.py_func)
                               : function_id_arg(msg.user, msg.function);
  ctx.gate->authorize(m.grant, "invoke", auth::ObjectKind::Function, id.user, id.name,
                      m.remote_address);
  auto permit = ctx.gate->admit(m.grant, id.user, m.remote_address);
  runtime::Invocation invocation;
  invocation.function = std::move(id);
  invocation.tenant = AccessGate::tenant_of(m.grant);
  invocation.input = std::move(msg.input);
  invocation.args = std::move(msg.args);

  if (msg.async) {
    uint64_t call_id = invoke_async(ctx.runtime, std::move(invocation), std::move(permit));
    Reply reply = text_reply(status::ok, std::to_string(call_id));
    reply.call_id = call_id;
    respond(std::move(reply));
    return;
  }
  bool python = msg.python;
  bool capture = ctx.capture_stdout;
  invoke_sync(
      ctx.runtime, ctx.standby, std::move(invocation), respond,
      [python, capture](runtime::CallRecord&& record) {
        bool ok = record.status == runtime::CallStatus::Succeeded;
        auto failed = record.error_kind == "unknown_function" ? status::not_found
                                                              : status::internal_server_error;
        // Output alone (the common case) moves into the reply as it is.
        bool output_only = ok && (!capture || (record.stdout_text.empty() && !python));
        return text_reply(ok ? status::ok : failed, output_only
                                                        ? std::move(record.output)
                                                        : faasm_output(record, capture, python));
      },
      m.abandoned, std::move(permit));
}

std::string file_path_header(const Request& request) {
  auto it = request.find("FilePath");
  if (it == request.end() || it->value().empty()) {
    throw HttpError(status::bad_request, "bad_path", "the FilePath header is missing");
  }
  return std::string(it->value());
}

// PUT /f/U/F (a wasm module) and /p/U/F (Python source or package).
void add_upload_routes(Router& router, const ApiContext& ctx) {
  router.add(http::verb::put, "/f/{}/{}", kStyle,
             {.access = Access::Owner, .action = "upload", .audited = true},
             [ctx](Request&& request, RouteMatch&& m, const Respond& respond) {
               auto id = function_id_arg(m.params[0], m.params[1]);
               auto allowance =
                   check_upload_quota(ctx, id, request.body().size(), UploadKind::Wasm);
               reply_compiling(ctx, kStyle, respond,
                               [ctx, id, stop = m.abandoned, pending = allowance.pending,
                                body = std::move(request.body())] {
                                 ctx.runtime.upload_wasm(id, as_bytes(body), stop);
                                 return text_reply(status::ok, "Function upload complete");
                               });
             });

  router.add(http::verb::put, "/p/{}/{}", kStyle,
             {.access = Access::Owner, .action = "upload", .audited = true},
             [ctx](Request&& request, RouteMatch&& m, const Respond& respond) {
               auto id = function_id_arg(m.params[0], m.params[1]);
               auto allowance =
                   check_upload_quota(ctx, id, request.body().size(), UploadKind::Python);
               auto how = python_upload_args(m.query);
               how.quota_bytes = allowance.quota_bytes;
               reply_compiling(
                   ctx, kStyle, respond,
                   [ctx, id, how, pending = allowance.pending, body = std::move(request.body())] {
                     ctx.runtime.upload_python(id, body, how);
                     return text_reply(status::ok, "Python function upload complete");
                   });
             });
}

// GET and PUT /s/U/K: a state value in the global tier.
void add_state_routes(Router& router, const ApiContext& ctx) {
  router.add(http::verb::get, "/s/{}/{}", kStyle,
             {.access = Access::Owner, .object = auth::ObjectKind::State, .action = "read"},
             [ctx](Request&&, RouteMatch&& m, const Respond& respond) {
               check_state_key(m.params[0], m.params[1]);
               reply_blocking(ctx, kStyle, respond, [ctx, m = std::move(m)] {
                 auto value = ctx.runtime.state().get(m.params[0], m.params[1]);
                 if (!value) {
                   return text_reply(status::not_found,
                                     fmt::format("no state {}/{}", m.params[0], m.params[1]));
                 }
                 return binary_reply(status::ok, std::move(*value));
               });
             });

  router.add(http::verb::put, "/s/{}/{}", kStyle,
             {.access = Access::Owner, .object = auth::ObjectKind::State, .action = "write"},
             [ctx](Request&& request, RouteMatch&& m, const Respond& respond) {
               check_state_key(m.params[0], m.params[1]);
               reply_blocking(ctx, kStyle, respond,
                              [ctx, m = std::move(m), body = std::move(request.body())]() mutable {
                                ctx.runtime.state().put(m.params[0], m.params[1], std::move(body));
                                return text_reply(status::ok, "State upload complete");
                              });
             });
}

// PUT and GET /file with a FilePath header: the shared files functions read.
void add_file_routes(Router& router, const ApiContext& ctx) {
  router.add(http::verb::put, "/file", kStyle,
             {.access = Access::Tenant,
              .object = auth::ObjectKind::File,
              .action = "upload",
              .audited = true},
             [ctx](Request&& request, RouteMatch&& m, const Respond& respond) {
               const std::string& tenant = m.grant.principal.tenant;
               auto shared = ctx.runtime.shared_dir(tenant);
               auto path = resolve_shared_path(shared, file_path_header(request));
               const uint64_t max_bytes = ctx.runtime.shared_file_quota(tenant);
               reply_blocking(ctx, kStyle, respond,
                              [ctx, shared, path, max_bytes, body = std::move(request.body())] {
                                write_shared_file_within(ctx.runtime.shared_file_usage(), shared,
                                                         path, body, max_bytes);
                                return text_reply(status::ok, "File upload complete");
                              });
             });

  router.add(http::verb::get, "/file", kStyle,
             {.access = Access::Tenant, .object = auth::ObjectKind::File, .action = "read"},
             [ctx](Request&& request, RouteMatch&& m, const Respond& respond) {
               auto shared = ctx.runtime.shared_dir(m.grant.principal.tenant);
               std::string name = file_path_header(request);
               auto path = resolve_shared_path(shared, name);
               reply_blocking(ctx, kStyle, respond, [shared, path, name] {
                 auto bytes = read_shared_file(shared, path);
                 if (!bytes) return text_reply(status::not_found, "no file " + name);
                 return binary_reply(status::ok, std::move(*bytes));
               });
             });
}

}  // namespace

void add_faasm_routes(Router& router, const ApiContext& ctx) {
  add_upload_routes(router, ctx);
  add_state_routes(router, ctx);
  add_file_routes(router, ctx);
  router.add(http::verb::get, "/ping", kStyle, {.access = Access::Open, .action = "read"},
             [](Request&&, RouteMatch&&, const Respond& respond) {
               respond(text_reply(status::ok, "PONG"));
             });

  // The body names the function (or the call): the handler asks the gate.
  router.add(http::verb::post, "/", kStyle, {.access = Access::Body, .action = "invoke"},
             [ctx](Request&& request, RouteMatch&& m, const Respond& respond) {
               invoke(ctx, std::move(request), m, respond);
             });
}

}  // namespace wasmlet::server
