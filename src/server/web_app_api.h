#pragma once
// Web apps: their manifests (/v1/apps), what the server's Python offers them (/v1/python), and
// serving a directly deployed app under /apps/USER/APP/ with no Python process in the path.
#include "server/api_context.h"
#include "server/router.h"
#include "server/web_apps.h"

namespace wasmlet::server {

void add_web_app_routes(Router& router, const ApiContext& ctx, WebApps& apps);

}  // namespace wasmlet::server
