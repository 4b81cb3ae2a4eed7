#include "server/web_app_api.h"

#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "server/http_frame.h"
#include "server/invoke.h"
#include "server/json_codec.h"
#include "server/request_args.h"

namespace wasmlet::server {

namespace {

namespace fs = std::filesystem;
using http::status;
using nlohmann::json;

constexpr ErrorStyle kStyle = ErrorStyle::Json;

// Hop-by-hop and framing headers are the server's to set, not the app's.
bool is_framing_header(std::string_view name) {
  for (std::string_view h : {"content-length", "transfer-encoding", "connection", "keep-alive"}) {
    if (name.size() == h.size() &&
        std::equal(name.begin(), name.end(), h.begin(), [](char a, char b) {
          return std::tolower(static_cast<unsigned char>(a)) == b;
        })) {
      return true;
    }
  }
  return false;
}

Reply render_app_call(runtime::CallRecord&& record) {
  if (record.status != runtime::CallStatus::Succeeded) {
    return json_reply(status::internal_server_error, failed_call_json(record));
  }
  WebResponse web;
  try {
    web = decode_web_response(record.output);
  } catch (const FrameError& e) {
    return error_reply(kStyle, status::bad_gateway, "bad_app_reply", e.what());
  }
  if (web.kind != "response") {
    return error_reply(
        kStyle, status::bad_gateway, "bad_app_reply",
        fmt::format("the app answered a '{}' frame to a whole-app request", web.kind));
  }
  Reply reply;
  reply.response.result(web.status);
  for (auto& [name, value] : web.headers) {
    if (!is_framing_header(name)) reply.response.insert(name, value);
  }
  // 204 and 304 have no body in HTTP (RFC 9110 15.3.5, 15.4.5): what the app gave is dropped.
  if (web.status != 204 && web.status != 304) reply.response.body() = std::move(web.body);
  reply.response.prepare_payload();
  reply.response.set("X-Wasmlet-Call-Id", std::to_string(record.id));
  return reply;
}

void serve(const ApiContext& ctx, const WebApps& apps, Request&& request, RouteMatch&& m,
           const Respond& respond) {
  const std::string& user = m.params[0];
  const std::string& name = m.params[1];
  std::string path = m.rest.empty() ? "/" : m.rest;
  auto decoded = percent_decode(path);
  if (!decoded)
    throw HttpError(status::bad_request, "bad_request", "bad percent-encoding in the path");
  std::string method(request.method_string());
  auto target = apps.route(user, name, method, *decoded);
  if (!target) {
    throw HttpError(status::not_found, "unknown_app", fmt::format("no web app {}/{}", user, name));
  }
  if (!target->unavailable.empty()) {
    throw HttpError(status::not_implemented, "endpoint_not_deployed",
                    fmt::format("endpoint '{}' of {}/{} runs only in proxy mode: it needs {}",
                                target->endpoint, user, name, target->unavailable));
  }
  std::string script_name = fmt::format("/apps/{}/{}", user, name);
  std::vector<std::pair<std::string_view, std::string_view>> headers;
  headers.reserve(16);
  // A Wasmlet key that let the request in is not the app's to see.
  const bool drop_key = !m.grant.anonymous && !ctx.gate->open();
  for (const auto& field : request) {
    if (drop_key && field.name() == http::field::authorization) continue;
    headers.emplace_back(field.name_string(), field.value());
  }
  WebRequest web;
  web.method = method;
  web.scheme = "http";
  web.host = request[http::field::host];
  web.script_name = script_name;
  web.path = path;
  web.query = m.query;
  web.remote_address = m.remote_address;
  web.endpoint = target->endpoint;
  web.body = request.body();
  web.headers = std::move(headers);

  runtime::Invocation invocation;
  invocation.function = function_id_arg(user, target->function);
  invocation.tenant = AccessGate::tenant_of(m.grant);
  invocation.input = encode_web_request(web);
  invoke_sync(ctx.runtime, ctx.standby, std::move(invocation), respond, render_app_call,
              m.abandoned, m.grant.permit);
}

// The modules of the build's inventory that cannot be imported ("limited" ones can: only a
// feature, such as starting a thread, is missing).
std::vector<std::string> unavailable_modules(const fs::path& file) {
  std::vector<std::string> out;
  std::ifstream in(file);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line.starts_with('#')) continue;
    size_t tab = line.find('\t');
    std::string_view category =
        tab == std::string::npos ? "" : std::string_view(line).substr(tab + 1);
    if (category.starts_with("limited")) continue;
    out.push_back(line.substr(0, tab));
  }
  return out;
}

json python_info(const fs::path& home) {
  if (home.empty()) {
    throw HttpError(status::not_implemented, "no_python", "this server runs no Python functions");
  }
  auto packages_in = [](const fs::path& dir) {
    json names = json::array();
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(dir, ec)) {
      if (entry.is_directory() && entry.path().filename() != "__pycache__") {
        names.push_back(entry.path().filename().string());
      }
    }
    return names;
  };
  return {{"version", "3.11"},
          {"site_packages", packages_in(home / "lib" / "site-packages")},
          {"guest_modules", packages_in(home / "lib" / "wasmlet")},
          {"unavailable_modules", unavailable_modules(home / "lib" / "unavailable-modules.txt")}};
}

}  // namespace

void add_web_app_routes(Router& router, const ApiContext& ctx, WebApps& apps) {
  router.add(http::verb::get, "/v1/python", kStyle, {.access = Access::Tenant, .action = "read"},
             [ctx](Request&&, RouteMatch&&, const Respond& respond) {
               reply_blocking(ctx, kStyle, respond, [ctx] {
                 return json_reply(status::ok, python_info(ctx.runtime.config().python_home));
               });
             });
  router.add(http::verb::get, "/v1/apps", kStyle,
             {.access = Access::Tenant, .object = auth::ObjectKind::App, .action = "list"},
             [&apps](Request&&, RouteMatch&& m, const Respond& respond) {
               json list = json::array();
               for (auto& app : apps.list()) {
                 if (AccessGate::may_see(m.grant, app.value("user", ""))) {
                   list.push_back(std::move(app));
                 }
               }
               respond(json_reply(status::ok, {{"apps", std::move(list)}}));
             });
  router.add(http::verb::get, "/v1/apps/{}/{}", kStyle,
             {.access = Access::Owner, .object = auth::ObjectKind::App, .action = "read"},
             [&apps](Request&&, RouteMatch&& m, const Respond& respond) {
               auto id = function_id_arg(m.params[0], m.params[1]);
               auto manifest = apps.get(id.user, id.name);
               if (!manifest) {
                 throw HttpError(status::not_found, "unknown_app",
                                 fmt::format("no web app {}", id.str()));
               }
               respond(json_reply(status::ok, *manifest));
             });
  router.add(
      http::verb::put, "/v1/apps/{}/{}", kStyle,
      {.access = Access::Owner,
       .object = auth::ObjectKind::App,
       .action = "upload",
       .audited = true},
      [ctx, &apps](Request&& request, RouteMatch&& m, const Respond& respond) {
        auto id = function_id_arg(m.params[0], m.params[1]);
        if (request.body().size() > 4 * kMaxManifestBytes) {  // room for indentation
          throw HttpError(status::payload_too_large, "manifest_too_large",
                          fmt::format("the manifest is larger than {} bytes", kMaxManifestBytes));
        }
        reply_blocking(ctx, kStyle, respond, [&apps, id, body = std::move(request.body())] {
          json manifest = parse_body_json(body);
          if (manifest.is_discarded()) {
            throw HttpError(status::bad_request, "bad_manifest", "the manifest is not JSON");
          }
          apps.put(id.user, id.name, manifest);
          return json_reply(status::ok, {{"url", fmt::format("/apps/{}/{}/", id.user, id.name)}});
        });
      });
  router.add(http::verb::delete_, "/v1/apps/{}/{}", kStyle,
             {.access = Access::Owner,
              .object = auth::ObjectKind::App,
              .action = "delete",
              .audited = true},
             [ctx, &apps](Request&&, RouteMatch&& m, const Respond& respond) {
               auto id = function_id_arg(m.params[0], m.params[1]);
               reply_blocking(ctx, kStyle, respond, [ctx, &apps, id] {
                 if (!apps.remove(id.user, id.name)) {
                   throw HttpError(status::not_found, "unknown_app",
                                   fmt::format("no web app {}", id.str()));
                 }
                 forget_grants(ctx, auth::ObjectKind::App, id);
                 return empty_reply(status::no_content);
               });
             });
  router.add_any_method(
      "/apps/{}/{}/{**}", kStyle,
      {.access = Access::Invoke, .object = auth::ObjectKind::App, .action = "invoke"},
      [ctx, &apps](Request&& request, RouteMatch&& m, const Respond& respond) {
        serve(ctx, apps, std::move(request), std::move(m), respond);
      });
}

}  // namespace wasmlet::server
