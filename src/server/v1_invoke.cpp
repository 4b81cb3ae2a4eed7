#include "server/v1_invoke.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "server/invoke.h"
#include "server/json_codec.h"
#include "server/request_args.h"

namespace wasmlet::server {

namespace {

using http::status;

void set_call_headers(Reply& reply, const runtime::CallRecord& record) {
  auto& r = reply.response;
  r.set("X-Wasmlet-Call-Id", std::to_string(record.id));
  r.set("X-Wasmlet-Return-Code", std::to_string(record.return_code));
  r.set("X-Wasmlet-Queue-Us", std::to_string(to_micros(record.queue_time)));
  r.set("X-Wasmlet-Run-Us", std::to_string(to_micros(record.run_time)));
}

// Success: the raw output. Failure: JSON saying why, with whatever output there was.
Reply render_call(runtime::CallRecord&& record) {
  Reply reply;
  if (record.status == runtime::CallStatus::Succeeded) {
    reply = binary_reply(status::ok, std::move(record.output));
  } else {
    nlohmann::json j = failed_call_json(record);
    put_output(j, record.output);
    // A function deleted between the call's acceptance and its start is the client's 404.
    reply = json_reply(
        j["error_kind"] == "unknown_function" ? status::not_found : status::internal_server_error,
        j);
  }
  set_call_headers(reply, record);
  return reply;
}

}  // namespace

void invoke_v1(const ApiContext& ctx, runtime::Invocation invocation, const RouteMatch& m,
               const Respond& respond) {
  if (!query_flag(m.query, "async")) {
    invoke_sync(ctx.runtime, ctx.standby, std::move(invocation), respond, render_call, m.abandoned,
                m.grant.permit);
    return;
  }
  uint64_t id = invoke_async(ctx.runtime, std::move(invocation), m.grant.permit);
  std::string location = fmt::format("/v1/calls/{}", id);
  Reply reply = json_reply(status::accepted, {{"id", id}, {"location", location}});
  reply.response.set(http::field::location, location);
  reply.call_id = id;
  respond(std::move(reply));
}

}  // namespace wasmlet::server
