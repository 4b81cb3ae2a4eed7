#pragma once
// A call requested through /v1 (a function or a workflow): the body is the input; the reply is
// the raw output, or JSON saying why the call failed, or with ?async=1 a 202 with the call's
// location.
#include "runtime/runtime.h"
#include "server/api_context.h"
#include "server/router.h"

namespace wasmlet::server {

// Whether a sync call may be sent on to a peer (ApiContext::cluster), and what it needs there.
struct Forwarding {
  bool allowed = false;       // a function's call that no peer has sent here already
  std::string authorization;  // the caller's, for the peer to check again
};

// A function call's Forwarding, read from its request before the body is taken.
Forwarding forwarding_of(const Request& request);

void invoke_v1(const ApiContext& ctx, runtime::Invocation invocation, const RouteMatch& m,
               const Respond& respond, const Forwarding& forwarding = {});

}  // namespace wasmlet::server
