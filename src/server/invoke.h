#pragma once
// Submitting calls on behalf of a request. Nothing waits: a synchronous call's reply is built
// from the finished call's record on the executor thread and handed to the connection.
#include <cstdint>
#include <functional>
#include <stop_token>

#include "auth/rate_limiter.h"
#include "runtime/runtime.h"
#include "server/http_types.h"
#include "server/inline_standby.h"

namespace wasmlet::server {

// Gets the finished record to keep: its output can be moved into the reply.
using RenderCall = std::function<Reply(runtime::CallRecord&&)>;

// Where a call that cannot run inline may go instead of this host's queue (a cluster peer):
// true when it took the invocation (and will respond), false to leave it to the queue.
using Divert = std::function<bool(runtime::Invocation&, const Respond&)>;

// Runs the call on this thread if it is short and its function warm (and `standby` allows it),
// else offers it to `divert` (when given), else queues it; `respond` gets render(record), with the
// call id for the log. Throws what the runtime throws when it refuses the call (QueueFull,
// UnknownFunction, Unsupported) and HttpError 503 when it is shutting down. A stop request on
// `abandoned` (the client hung up) cancels a queued call and everything it chained. `permit` (the
// caller's quota slot, if any) is held until the call has finished.
void invoke_sync(runtime::Runtime& runtime, InlineStandby* standby, runtime::Invocation invocation,
                 const Respond& respond, RenderCall render, const std::stop_token& abandoned = {},
                 std::shared_ptr<auth::CallPermit> permit = {}, const Divert& divert = {});

// Queues the call and returns its id; throws as invoke_sync.
uint64_t invoke_async(runtime::Runtime& runtime, runtime::Invocation invocation,
                      std::shared_ptr<auth::CallPermit> permit = {});

}  // namespace wasmlet::server
