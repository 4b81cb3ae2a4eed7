#include "server/console_routes.h"

#include <fmt/format.h>

#include <string>
#include <string_view>

#include "web/web_assets.h"

namespace wasmlet::server {

namespace {

using http::status;

// Only the bundle's own files: no inline script or style, no other origin, no framing.
constexpr std::string_view kContentSecurityPolicy =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'";

// Whether an If-None-Match header ("*", or a list of tags, weak or strong) names `etag`.
bool matches_etag(std::string_view header, std::string_view etag) {
  while (!header.empty()) {
    size_t comma = header.find(',');
    std::string_view tag = header.substr(0, comma);
    header = comma == std::string_view::npos ? std::string_view() : header.substr(comma + 1);
    while (!tag.empty() && tag.front() == ' ') tag.remove_prefix(1);
    while (!tag.empty() && tag.back() == ' ') tag.remove_suffix(1);
    if (tag.starts_with("W/")) tag.remove_prefix(2);
    if (tag == "*" || tag == etag) return true;
  }
  return false;
}

Reply asset_reply(const Request& request, const web::Asset& asset) {
  const bool fresh = matches_etag(request[http::field::if_none_match], asset.etag);
  Reply reply =
      fresh ? empty_reply(status::not_modified) : binary_reply(status::ok, std::string(asset.body));
  auto& r = reply.response;
  if (!fresh) r.set(http::field::content_type, asset.content_type);
  r.set(http::field::etag, asset.etag);
  // Kept, but checked again every time: a new server binary brings a new bundle.
  r.set(http::field::cache_control, "no-cache");
  r.set("Content-Security-Policy", kContentSecurityPolicy);
  r.set("X-Content-Type-Options", "nosniff");
  r.set("Referrer-Policy", "no-referrer");
  return reply;
}

}  // namespace

void add_console_routes(Router& router) {
  router.add(http::verb::get, "/console/{**}", ErrorStyle::Json,
             {.access = Access::Open, .action = "read"},
             [](Request&& request, RouteMatch&& m, const Respond& respond) {
               if (m.rest.empty()) {
                 // Relative URLs in the page (app.js) resolve against /console/, not /.
                 Reply reply = empty_reply(status::moved_permanently);
                 reply.response.set(http::field::location, "/console/");
                 return respond(std::move(reply));
               }
               const std::string path = "console" + (m.rest == "/" ? "/index.html" : m.rest);
               const web::Asset* asset = web::find_asset(path);
               if (asset == nullptr) {
                 return respond(error_reply(ErrorStyle::Json, status::not_found, "not_found",
                                            fmt::format("no console file {}", m.rest)));
               }
               respond(asset_reply(request, *asset));
             });
}

}  // namespace wasmlet::server
