#include "server/cluster_api.h"

#include <nlohmann/json.hpp>

#include "server/json_codec.h"

namespace wasmlet::server {

namespace {

constexpr ErrorStyle kStyle = ErrorStyle::Json;
using http::status;
using nlohmann::json;

json host_json(const cluster::HostInfo& host, const Grant& grant) {
  json warm = json::array();
  for (const auto& name : host.warm) {
    // Names are "user/function": another tenant's are not this one's to know.
    std::string_view user = std::string_view(name).substr(0, name.find('/'));
    if (AccessGate::may_see(grant, user)) warm.push_back(name);
  }
  return {{"id", host.id},
          {"address", host.address},
          {"started_at", host.started_at},
          {"executors", host.executors},
          {"running", host.running},
          {"queued", host.queued},
          {"free_slots", host.free_slots()},
          {"warm", std::move(warm)}};
}

}  // namespace

void add_cluster_routes(Router& router, const ApiContext&, const cluster::ClusterNode* node) {
  router.add(http::verb::get, "/v1/cluster", kStyle, {.access = Access::Tenant, .action = "read"},
             [node](Request&&, RouteMatch&& m, const Respond& respond) {
               if (node == nullptr) {
                 throw HttpError(status::not_found, "no_cluster",
                                 "this server is not part of a cluster (start it with --cluster "
                                 "redis://HOST:PORT)");
               }
               json hosts = json::array();
               for (const auto& host : node->hosts()) hosts.push_back(host_json(host, m.grant));
               respond(json_reply(status::ok, {{"host_id", node->config().host_id},
                                               {"connected", node->connected()},
                                               {"hosts", std::move(hosts)}}));
             });
}

}  // namespace wasmlet::server
