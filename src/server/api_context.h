#pragma once
// What the API handlers work with: the runtime, and a way to run blocking work (compiles, state
// and file I/O) away from the I/O threads.
#include <functional>
#include <span>
#include <string_view>

#include "cluster/cluster_node.h"
#include "runtime/runtime.h"
#include "server/access_gate.h"
#include "server/http_types.h"
#include "server/inline_standby.h"
#include "server/peer_relay.h"
#include "server/replies.h"
#include "server/upload_quota.h"

namespace wasmlet::server {

// Runs a task on a worker thread. The task must not throw.
using Runner = std::function<void(std::function<void()>)>;

struct ApiContext {
  runtime::Runtime& runtime;
  Runner run_blocking;         // state and file I/O: short tasks
  Runner run_compile;          // uploads, which compile: never in the way of the short ones
  bool capture_stdout = true;  // see ServerConfig
  // Lets I/O threads run short calls inline; none when null.
  InlineStandby* standby = nullptr;
  // Decides who may do what (see Router); handlers ask it again where the body names the
  // object. Never null.
  const AccessGate* gate = nullptr;
  // The cluster this host belongs to, if any: calls it cannot start go to a peer through
  // `relay` (ClusterNode::kMaxForwarding of them at once).
  cluster::ClusterNode* cluster = nullptr;
  PeerRelay* relay = nullptr;
  // Uploads past the quota check and not stored yet (see check_upload_quota). Never null.
  PendingUploads* pending_uploads = nullptr;
};

// Runs `work` through `run` and answers with its reply, or with its exception's.
inline void reply_on(const Runner& run, ErrorStyle style, Respond respond,
                     std::function<Reply()> work) {
  run([style, respond = std::move(respond), work = std::move(work)]() mutable {
    Reply reply;
    try {
      reply = work();
    } catch (...) {
      reply = reply_for_current_exception(style);
    }
    // What the work holds (an upload's place among the pending ones) goes before the answer,
    // so that a client's next request does not find it.
    work = nullptr;
    respond(std::move(reply));
  });
}

inline void reply_blocking(const ApiContext& ctx, ErrorStyle style, Respond respond,
                           std::function<Reply()> work) {
  reply_on(ctx.run_blocking, style, std::move(respond), std::move(work));
}

inline void reply_compiling(const ApiContext& ctx, ErrorStyle style, Respond respond,
                            std::function<Reply()> work) {
  reply_on(ctx.run_compile, style, std::move(respond), std::move(work));
}

// Drops the grants on an object that was deleted.
inline void forget_grants(const ApiContext& ctx, auth::ObjectKind kind,
                          const runtime::FunctionId& id) {
  if (auth::TenantStore* store = ctx.gate->store()) store->forget_object(kind, id.user, id.name);
}

inline std::span<const unsigned char> as_bytes(std::string_view s) {
  return {reinterpret_cast<const unsigned char*>(s.data()), s.size()};
}

}  // namespace wasmlet::server
