#pragma once
// GET /v1/cluster: the hosts of this server's cluster, their load and their warm functions (a
// tenant sees only its own functions among them; an admin all). 404 no_cluster on a server
// that joined none.
#include "cluster/cluster_node.h"
#include "server/api_context.h"
#include "server/router.h"

namespace wasmlet::server {

// `node` may be null (not clustered); it must outlive the server otherwise.
void add_cluster_routes(Router& router, const ApiContext& ctx, const cluster::ClusterNode* node);

}  // namespace wasmlet::server
