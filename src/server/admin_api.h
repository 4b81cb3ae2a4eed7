#pragma once
// /v1/admin: tenants, their keys and quotas, and grants (public objects, shared functions), for
// admin keys only. See docs/admin.md.
#include "auth/tenant_store.h"
#include "server/api_context.h"
#include "server/router.h"

namespace wasmlet::server {

void add_admin_routes(Router& router, const ApiContext& ctx, auth::TenantStore& store);

}  // namespace wasmlet::server
