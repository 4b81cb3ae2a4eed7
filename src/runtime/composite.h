#pragma once
// Calls of names that are not functions but compositions of function calls (workflows), run by
// a layer above the runtime. Such a call gets an id, a record and a place in a call tree like
// any call: it can be invoked from outside, sync or async, chained and awaited, and cancelled.
#include <cstdint>

#include "runtime/function_id.h"
#include "runtime/run_queue.h"

namespace wasmlet::runtime {

class CompositeRunner {
 public:
  virtual ~CompositeRunner() = default;
  // Whether `id` names a composition (consulted only for names that are not functions).
  virtual bool contains(const FunctionId& id) const = 0;
  // Starts call `call_id` of the composition `invocation.function`; `invocation.node` is its
  // place in a call tree, never null. Called on an executor thread, taken in the caller's turn
  // like any call, which it may use for the composition's first steps; it must not wait for
  // the calls it makes (they are submitted with completions). `done` is called exactly once, on any
  // thread, with the run's record (status, output, error, history). Throws UnknownFunction when the
  // composition is gone, or Error when it cannot start (then `done` is not called).
  virtual void start(uint64_t call_id, Invocation invocation, Completion done) = 0;
};

}  // namespace wasmlet::runtime
