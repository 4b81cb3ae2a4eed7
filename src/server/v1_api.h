#pragma once
// Wasmlet's own API under /v1 (functions, calls, state), plus /healthz and /metrics. Errors
// are JSON {"error": code, "message": text}.
#include "server/api_context.h"
#include "server/router.h"

namespace wasmlet::server {

void add_v1_routes(Router& router, const ApiContext& ctx);

}  // namespace wasmlet::server
