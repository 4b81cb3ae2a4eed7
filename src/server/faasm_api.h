#pragma once
// Faasm's HTTP API, so that Faasm clients work unchanged: uploads (/f, /p, /s, /file), /ping,
// and invocation by JSON message on POST /.
#include "server/api_context.h"
#include "server/router.h"

namespace wasmlet::server {

void add_faasm_routes(Router& router, const ApiContext& ctx);

}  // namespace wasmlet::server
