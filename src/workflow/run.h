#pragma once
// Runs of a workflow: each Task a call submitted to the runtime whose completion advances the
// run, so that no thread ever waits for a step. Steps hand each other bytes; JSON is parsed
// only where a state needs it (paths, templates, Choice, Map's items).
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "runtime/runtime.h"
#include "workflow/definition.h"
#include "workflow/timers.h"

namespace wasmlet::workflow {

struct RunRequest {
  runtime::FunctionId workflow;  // user + workflow name: Tasks call functions of workflow.user
  uint64_t call_id = 0;          // the run's call id ($$.Execution.Id)
  std::string input;             // the run's input (JSON text; empty means {})
  std::shared_ptr<runtime::CallNode> node;  // the run's node; its Tasks are its children
  std::string tenant;  // whose run it is: its Tasks are that tenant's calls (Invocation::tenant)
  // The run's wall-time limit, lowered to the definition's TimeoutSeconds when that is smaller;
  // zero: the definition's, else none.
  std::chrono::nanoseconds time_limit{0};
};

// Bounds of one run.
struct RunLimits {
  static constexpr size_t kMaxHistory = 10000;                 // entries, then one {"truncated": N}
  static constexpr size_t kMaxResultBytes = size_t{64} << 20;  // a Parallel's or Map's result
  static constexpr size_t kMaxTransitions = 1000000;           // states entered
};

// Starts a run and returns at once; never runs guest code on the calling thread. `done` is
// called exactly once, on some thread, with the run's record: Succeeded with the output, or
// Failed with error_kind the States Language error ("States.TaskFailed", "States.Timeout", a
// Fail state's Error, ...) and error_message "state 'NAME': CAUSE"; `history` is the execution
// history (a JSON array). Timers must outlive the run.
void start_run(runtime::Runtime& runtime, Timers& timers,
               std::shared_ptr<const Definition> definition, RunRequest request,
               runtime::Completion done);

// The States Language error a failed call raises in a Task.
struct TaskError {
  std::string error;
  std::string cause;
};
TaskError task_error(const runtime::CallRecord& record);

}  // namespace wasmlet::workflow
