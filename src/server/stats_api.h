#pragma once
// What a console shows a signed-in tenant: who it is (/v1/whoami), its functions' figures and
// its load (/v1/stats), its latest calls (GET /v1/calls) and its state keys
// (GET /v1/state/USER). A tenant sees only its own; an admin, or anyone on an open server, all.
#include "server/api_context.h"
#include "server/router.h"

namespace wasmlet::server {

void add_stats_routes(Router& router, const ApiContext& ctx);

}  // namespace wasmlet::server
