#pragma once
// One invocation from submission to result.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "engine/trap.h"
#include "runtime/function_id.h"

namespace wasmlet::runtime {

enum class CallStatus { Queued, Running, Succeeded, Failed };
std::string_view call_status_name(CallStatus s);  // "queued", "running", "succeeded", "failed"

struct CallRecord {
  uint64_t id = 0;
  FunctionId function;
  // The tenant whose call it is (who asked for it, or whose call chained it): the record is kept
  // against that tenant's limits and shown to it only. Empty: the function's owner.
  std::string tenant;
  const std::string& owner() const { return tenant.empty() ? function.user : tenant; }
  CallStatus status = CallStatus::Queued;
  int return_code = 0;
  std::string output;
  std::string stdout_text, stderr_text;
  // Why it failed: a trap kind id ("out_of_bounds", "timeout", ...) or "error" for a failure
  // outside the guest (e.g. the function could not be snapshotted); empty on success, except
  // "output_dropped" when the kept record lost an output too large to keep (see
  // ResultLimits::max_kept_output; the caller awaiting the call still got it).
  std::string error_kind;
  std::string error_message;
  std::chrono::system_clock::time_point submitted_at;
  std::chrono::nanoseconds queue_time{0}, run_time{0};
  // A composite call's (a workflow run's) execution history, a JSON array; empty otherwise.
  std::string history;

  // Host memory the record holds, as the runtime's budget for kept records counts it.
  size_t bytes() const {
    return sizeof(CallRecord) + function.user.size() + function.name.size() + tenant.size() +
           output.size() + stdout_text.size() + stderr_text.size() + error_kind.size() +
           error_message.size() + history.size();
  }
};

}  // namespace wasmlet::runtime
