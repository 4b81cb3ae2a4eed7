#pragma once
// Workflows over /v1: upload, read, list and delete States Language definitions, and invoke
// them like functions (PUT|GET|DELETE /v1/workflows/USER/NAME, GET /v1/workflows,
// POST /v1/workflows/USER/NAME:invoke).
#include "server/api_context.h"
#include "server/router.h"
#include "workflow/workflow_registry.h"

namespace wasmlet::server {

void add_workflow_routes(Router& router, const ApiContext& ctx,
                         workflow::WorkflowRegistry& workflows);

}  // namespace wasmlet::server
