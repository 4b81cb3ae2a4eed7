#pragma once
// The web console at /console/: its page, script and style, compiled into the binary (web/).
// The routes are open: the page holds no data, and its API calls carry the user's key.
#include "server/router.h"

namespace wasmlet::server {

void add_console_routes(Router& router);

}  // namespace wasmlet::server
