#include "server/stats_api.h"

#include <fmt/format.h>

#include <charconv>
#include <chrono>
#include <nlohmann/json.hpp>

#include "server/json_codec.h"
#include "server/request_args.h"

namespace wasmlet::server {

namespace {

constexpr ErrorStyle kStyle = ErrorStyle::Json;
using http::status;
using nlohmann::json;

constexpr size_t kDefaultListed = 50;
constexpr size_t kMaxListed = 1000;

// ?limit=N, at most kMaxListed.
size_t limit_arg(std::string_view query) {
  auto text = query_param(query, "limit");
  if (!text) return kDefaultListed;
  size_t n = 0;
  auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), n);
  if (ec != std::errc() || end != text->data() + text->size() || n == 0 || n > kMaxListed) {
    throw HttpError(status::bad_request, "bad_limit",
                    fmt::format("limit must be a number from 1 to {}", kMaxListed));
  }
  return n;
}

// ?function=USER/NAME, validated as names are.
std::optional<runtime::FunctionId> function_arg(std::string_view query) {
  auto text = query_param(query, "function");
  if (!text) return std::nullopt;
  auto slash = text->find('/');
  if (slash == std::string::npos) {
    throw HttpError(status::bad_request, "invalid_name", "function must be USER/NAME");
  }
  return function_id_arg(std::string_view(*text).substr(0, slash),
                         std::string_view(*text).substr(slash + 1));
}

json call_summary_json(const runtime::CallRecord& r) {
  return {{"id", r.id},
          {"function", r.function.str()},
          {"status", runtime::call_status_name(r.status)},
          {"return_code", r.return_code},
          {"error_kind", r.error_kind},
          {"error_message", r.error_message},
          {"queue_us", to_micros(r.queue_time)},
          {"run_us", to_micros(r.run_time)},
          {"submitted_at", rfc3339(r.submitted_at)}};
}

json stats_json(const runtime::Runtime& runtime, const Grant& grant) {
  auto visible = [&grant](const runtime::FunctionId& id) {
    return AccessGate::may_see(grant, id.user);
  };
  json functions = json::array();
  uint64_t calls = 0, failures = 0, restores = 0, live = 0;
  for (const auto& f : runtime.function_stats(visible)) {
    calls += f.calls;
    failures += f.failures;
    restores += f.restores;
    live += f.live_faaslets;
    functions.push_back({{"id", f.id.str()},
                         {"calls", f.calls},
                         {"failures", f.failures},
                         {"running", f.running},
                         {"restores", f.restores},
                         {"live_faaslets", f.live_faaslets},
                         {"warm", f.warm},
                         {"p50_us", f.p50_us},
                         {"p99_us", f.p99_us}});
  }
  uint64_t queued = 0, running = 0;
  if (grant.principal.admin()) {
    // The whole server's gauges: the functions' sums miss calls not yet given a Faaslet.
    auto m = runtime.metrics();
    queued = m.queue_depth;
    running = m.running;
    restores = m.restores;
    live = m.live_faaslets;
  } else {
    auto load = runtime.tenant_load(grant.principal.tenant);
    queued = load.queued;
    running = load.running;
  }
  auto now = std::chrono::system_clock::now().time_since_epoch();
  return {{"now_ns", std::chrono::duration_cast<std::chrono::nanoseconds>(now).count()},
          {"totals",
           {{"calls", calls},
            {"failures", failures},
            {"restores", restores},
            {"queue_depth", queued},
            {"running", running},
            {"live_faaslets", live}}},
          {"functions", std::move(functions)}};
}

}  // namespace

void add_stats_routes(Router& router, const ApiContext& ctx) {
  router.add(http::verb::get, "/v1/whoami", kStyle, {.access = Access::Tenant, .action = "read"},
             [ctx](Request&&, RouteMatch&& m, const Respond& respond) {
               const bool open = ctx.gate->open();
               json tenant = open ? json(nullptr) : json(m.grant.principal.tenant);
               respond(json_reply(status::ok, {{"tenant", std::move(tenant)},
                                               {"role", auth::role_name(m.grant.principal.role)},
                                               {"open", open}}));
             });

  router.add(http::verb::get, "/v1/stats", kStyle, {.access = Access::Tenant, .action = "read"},
             [ctx](Request&&, RouteMatch&& m, const Respond& respond) {
               respond(json_reply(status::ok, stats_json(ctx.runtime, m.grant)));
             });

  router.add(http::verb::get, "/v1/calls", kStyle, {.access = Access::Tenant, .action = "list"},
             [ctx](Request&&, RouteMatch&& m, const Respond& respond) {
               size_t limit = limit_arg(m.query);
               auto only = function_arg(m.query);
               auto include = [&m, &only](const runtime::FunctionId& id, const std::string& owner) {
                 return AccessGate::may_see(m.grant, owner) && (!only || id == *only);
               };
               json calls = json::array();
               for (const auto& r : ctx.runtime.recent_calls(include, limit)) {
                 calls.push_back(call_summary_json(r));
               }
               respond(json_reply(status::ok, {{"calls", std::move(calls)}}));
             });

  router.add(http::verb::get, "/v1/state/{}", kStyle,
             {.access = Access::Owner, .object = auth::ObjectKind::State, .action = "list"},
             [ctx](Request&&, RouteMatch&& m, const Respond& respond) {
               check_user_name(m.params[0]);
               size_t limit = limit_arg(m.query);
               reply_blocking(ctx, kStyle, respond, [ctx, user = m.params[0], limit] {
                 json keys = json::array();
                 for (const auto& k : ctx.runtime.state().list(user, limit)) {
                   keys.push_back({{"key", k.key}, {"bytes", k.bytes}});
                 }
                 return json_reply(status::ok, {{"keys", std::move(keys)}});
               });
             });
}

}  // namespace wasmlet::server
