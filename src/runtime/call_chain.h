#pragma once
// The chaining a running call does: the calls it starts (by function name or by table index
// in its own module) and its waits for them. One per running call; the records of its
// children outlive it if it does not wait for them.
#include <condition_variable>
#include <cstddef>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "host/chain_handler.h"
#include "runtime/call_record.h"
#include "runtime/call_tree.h"
#include "runtime/function_id.h"
#include "util/mutex.h"

namespace wasmlet::runtime {

class Runtime;
struct Invocation;

class CallChain final : public host::ChainHandler {
 public:
  // `node` is the calling call's place in its tree; `tenant` the tenant whose call it is (the
  // calls it chains are that tenant's too). `max_held_output_bytes`: the chained calls'
  // outputs this call holds until it reads them; an output that would pass it is dropped, and
  // awaiting that call's output traps naming the limit (its status can still be awaited). An
  // output is handed over once: awaiting it again fails.
  CallChain(Runtime& runtime, FunctionId caller, std::string tenant, std::shared_ptr<CallNode> node,
            size_t max_held_output_bytes);

  uint32_t chain_by_name(const std::string& function, std::string input) override;
  uint32_t chain_by_table_index(uint32_t table_index, std::string input) override;
  uint32_t chain_python_entry(const std::string& entry, std::string input) override;
  int await_call(uint32_t call_id, std::string* output) override;

 private:
  // What awaiting a finished child needs (its logs and history stay in the runtime's record).
  struct Finished {
    bool succeeded = false;
    int return_code = 0;
    std::string output;
    size_t dropped_output = 0;  // bytes of output not kept (max_held_output_bytes)
    bool output_taken = false;  // awaited with its output, which was moved out then
  };
  struct Children {
    util::Mutex mutex;
    util::CondVar done;
    // Empty optional: still running.
    std::map<uint32_t, std::optional<Finished>> calls GUARDED_BY(mutex);
    size_t held_bytes GUARDED_BY(mutex) = 0;                  // of the outputs in `calls`
    std::map<uint32_t, uint64_t> full_ids GUARDED_BY(mutex);  // the runtime's ids
  };

  uint32_t start(Invocation invocation);

  Runtime& runtime_;
  FunctionId caller_;
  std::string tenant_;
  std::shared_ptr<CallNode> node_;
  size_t max_held_output_bytes_;
  std::shared_ptr<Children> children_;  // made by the first chained call: most calls chain none
};

}  // namespace wasmlet::runtime
