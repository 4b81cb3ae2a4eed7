#pragma once
// What the API handlers work with: the runtime, and a way to run blocking work (compiles, state
// and file I/O) away from the I/O threads.
#include <functional>
#include <span>
#include <string_view>

#include "runtime/runtime.h"
#include "server/http_types.h"
#include "server/replies.h"

namespace wasmlet::server {

struct ApiContext {
  runtime::Runtime& runtime;
  // Runs the task on a worker thread. The task must not throw.
  std::function<void(std::function<void()>)> run_blocking;
  bool capture_stdout = true;  // see ServerConfig
};

// Runs `work` on a worker thread and answers with its reply, or with its exception's.
inline void reply_blocking(const ApiContext& ctx, ErrorStyle style, Respond respond,
                           std::function<Reply()> work) {
  ctx.run_blocking([style, respond = std::move(respond), work = std::move(work)] {
    Reply reply;
    try {
      reply = work();
    } catch (...) {
      reply = reply_for_current_exception(style);
    }
    respond(std::move(reply));
  });
}

inline std::span<const unsigned char> as_bytes(std::string_view s) {
  return {reinterpret_cast<const unsigned char*>(s.data()), s.size()};
}

}  // namespace wasmlet::server
