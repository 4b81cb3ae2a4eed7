#include "server/invoke.h"

#include <spdlog/spdlog.h>

#include "server/replies.h"

namespace wasmlet::server {

namespace {

uint64_t submit(runtime::Runtime& runtime, runtime::Invocation invocation,
                runtime::Completion done) {
  try {
    return runtime.submit(std::move(invocation), std::move(done));
  } catch (const runtime::ShuttingDown& e) {
    throw HttpError(http::status::service_unavailable, "unavailable", e.what());
  }
}

}  // namespace

void invoke_sync(runtime::Runtime& runtime, runtime::Invocation invocation, Respond respond,
                 RenderCall render) {
  auto done = [respond = std::move(respond),
               render = std::move(render)](const runtime::CallRecord& record) {
    // Runs on an executor thread: nothing may escape from here.
    try {
      Reply reply;
      try {
        reply = render(record);
      } catch (...) {
        reply = reply_for_current_exception(ErrorStyle::Json);
      }
      reply.call_id = record.id;
      respond(std::move(reply));
    } catch (const std::exception& e) {
      spdlog::error("call {}: could not send the reply: {}", record.id, e.what());
    }
  };
  submit(runtime, std::move(invocation), std::move(done));
}

uint64_t invoke_async(runtime::Runtime& runtime, runtime::Invocation invocation) {
  return submit(runtime, std::move(invocation), {});
}

}  // namespace wasmlet::server
