#pragma once
// A call requested through /v1 (a function or a workflow): the body is the input; the reply is
// the raw output, or JSON saying why the call failed, or with ?async=1 a 202 with the call's
// location.
#include "runtime/runtime.h"
#include "server/api_context.h"
#include "server/router.h"

namespace wasmlet::server {

void invoke_v1(const ApiContext& ctx, runtime::Invocation invocation, const RouteMatch& m,
               const Respond& respond);

}  // namespace wasmlet::server
