#include "server/v1_invoke.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

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

constexpr std::string_view kForwardedHeader = "X-Wasmlet-Forwarded";

// Runs the call on `peer` over HTTP (PeerRelay: no thread waits for it) and answers with the
// peer's reply; when the peer cannot be reached at all, it runs here after all. A client that
// hangs up closes the connection to the peer, which stops the call there.
void forward_call(const ApiContext& ctx, const cluster::HostInfo& peer,
                  runtime::Invocation invocation, const Forwarding& forwarding, const RouteMatch& m,
                  const Respond& respond) {
  PeerRelay::Request request{
      http::verb::post,
      fmt::format("/v1/functions/{}/{}:invoke", invocation.function.user, invocation.function.name),
      11};
  request.set(kForwardedHeader, ctx.cluster->config().host_id);
  request.set(http::field::content_type, "application/octet-stream");
  if (!forwarding.authorization.empty()) {
    request.set(http::field::authorization, forwarding.authorization);
  }
  request.body() = invocation.input;
  ctx.relay->send(
      peer.address, std::move(request),
      [ctx, peer, invocation = std::move(invocation), respond, abandoned = m.abandoned,
       permit = m.grant.permit](PeerRelay::Result result) mutable {
        ctx.cluster->end_forward();
        switch (result.outcome) {
          case PeerRelay::Outcome::kAnswered: {
            Reply reply = binary_reply(result.response.result(), std::move(result.response.body()));
            for (const auto& field : result.response) {
              auto name = field.name_string();
              if (name.starts_with("X-Wasmlet-") || field.name() == http::field::content_type) {
                reply.response.set(name, field.value());
              }
            }
            reply.response.set("X-Wasmlet-Forwarded-To", peer.id);
            respond(std::move(reply));
            return;
          }
          case PeerRelay::Outcome::kUnreachable:
            spdlog::warn("cluster: peer {} ({}) unreachable, running {} here: {}", peer.id,
                         peer.address, invocation.function.str(), result.error);
            invoke_sync(ctx.runtime, nullptr, std::move(invocation), respond, render_call,
                        abandoned, std::move(permit));
            return;
          case PeerRelay::Outcome::kBroken:
            respond(error_reply(
                ErrorStyle::Json, status::bad_gateway, "peer_failed",
                fmt::format("the call was sent to peer {} ({}), which did not answer: {}", peer.id,
                            peer.address, result.error)));
            return;
        }
      },
      m.abandoned);
}

}  // namespace

Forwarding forwarding_of(const Request& request) {
  return {request.find(kForwardedHeader) == request.end(),
          std::string(request[http::field::authorization])};
}

void invoke_v1(const ApiContext& ctx, runtime::Invocation invocation, const RouteMatch& m,
               const Respond& respond, const Forwarding& forwarding) {
  invocation.tenant = AccessGate::tenant_of(m.grant);
  if (!query_flag(m.query, "async")) {
    // Cannot start here at once (nor inline): a peer with a free executor (and the function
    // warm) can.
    Divert divert;
    if (ctx.cluster != nullptr && forwarding.allowed) {
      divert = [&ctx, &forwarding, &m](runtime::Invocation& call, const Respond& reply_to) {
        if (!ctx.runtime.saturated() || !ctx.cluster->begin_forward()) return false;
        auto peer = ctx.cluster->peer_for(call.function.str());
        if (!peer) {
          ctx.cluster->end_forward();
          return false;
        }
        forward_call(ctx, *peer, std::move(call), forwarding, m, reply_to);
        return true;
      };
    }
    invoke_sync(ctx.runtime, ctx.standby, std::move(invocation), respond, render_call, m.abandoned,
                m.grant.permit, divert);
    return;
  }
  auto accepted = [](uint64_t id) {
    std::string location = fmt::format("/v1/calls/{}", id);
    Reply reply = json_reply(status::accepted, {{"id", id}, {"location", location}});
    reply.response.set(http::field::location, location);
    reply.call_id = id;
    return reply;
  };
  // In a cluster, through its durable queue: whichever host has a free executor runs it, and
  // it survives this host.
  if (ctx.cluster != nullptr && forwarding.allowed) {
    if (!ctx.runtime.function(invocation.function)) {
      throw runtime::UnknownFunction(invocation.function);
    }
    reply_blocking(
        ctx, ErrorStyle::Json, respond, [ctx, accepted, invocation = std::move(invocation)] {
          return accepted(
              ctx.cluster->enqueue(invocation.function, invocation.tenant, invocation.input));
        });
    return;
  }
  respond(accepted(invoke_async(ctx.runtime, std::move(invocation), m.grant.permit)));
}

}  // namespace wasmlet::server
