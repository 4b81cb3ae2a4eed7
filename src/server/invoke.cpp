#include "server/invoke.h"

#include <spdlog/spdlog.h>

#include <atomic>
#include <memory>

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

void invoke_sync(runtime::Runtime& runtime, InlineStandby* standby, runtime::Invocation invocation,
                 const Respond& respond, RenderCall render, const std::stop_token& abandoned,
                 std::shared_ptr<auth::CallPermit> permit, const Divert& divert) {
  runtime::Completion reply = [respond, render = std::move(render),
                               permit = std::move(permit)](runtime::CallRecord record) {
    // Runs on the thread that ran the call: nothing may escape from here.
    const uint64_t id = record.id;
    try {
      Reply r;
      try {
        r = render(std::move(record));
      } catch (...) {
        r = reply_for_current_exception(ErrorStyle::Json);
      }
      r.call_id = id;
      respond(std::move(r));
    } catch (const std::exception& e) {
      spdlog::error("call {}: could not send the reply: {}", id, e.what());
    }
  };
  // A short call of a warm function runs here and now; it is over before a hang-up could be
  // noticed.
  if (standby != nullptr && InlineStandby::may_run_inline()) {
    InlineStandby::Scope busy(*standby);
    if (runtime.try_run_inline(invocation, reply)) return;
  }
  if (divert && divert(invocation, respond)) return;

  // The call's id once it has one; a hang-up before then is caught after submitting.
  auto id = std::make_shared<std::atomic<uint64_t>>(0);
  auto cancel = [&runtime, id] {
    if (uint64_t call = id->load()) runtime.cancel(call, "the client disconnected");
  };
  // Lives as long as the completion: a hang-up after the call finished finds nothing to stop.
  auto on_hang_up = std::make_shared<std::stop_callback<decltype(cancel)>>(abandoned, cancel);
  auto done = [reply = std::move(reply), on_hang_up](runtime::CallRecord record) {
    reply(std::move(record));
  };
  id->store(submit(runtime, std::move(invocation), std::move(done)));
  if (abandoned.stop_requested()) cancel();
}

uint64_t invoke_async(runtime::Runtime& runtime, runtime::Invocation invocation,
                      std::shared_ptr<auth::CallPermit> permit) {
  runtime::Completion done;
  if (permit) done = [permit = std::move(permit)](const runtime::CallRecord&) {};
  return submit(runtime, std::move(invocation), std::move(done));
}

}  // namespace wasmlet::server
