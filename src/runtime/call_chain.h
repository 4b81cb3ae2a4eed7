#pragma once
// The chaining a running call does: the calls it starts (by function name or by table index
// in its own module) and its waits for them. One per running call; the records of its
// children outlive it if it does not wait for them.
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <optional>

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
  // calls it chains are that tenant's too).
  CallChain(Runtime& runtime, FunctionId caller, std::string tenant,
            std::shared_ptr<CallNode> node);

  uint32_t chain_by_name(const std::string& function, std::string input) override;
  uint32_t chain_by_table_index(uint32_t table_index, std::string input) override;
  uint32_t chain_python_entry(const std::string& entry, std::string input) override;
  int await_call(uint32_t call_id, std::string* output) override;

 private:
  struct Children {
    util::Mutex mutex;
    util::CondVar done;
    // Empty optional: still running.
    std::map<uint32_t, std::optional<CallRecord>> calls GUARDED_BY(mutex);
    std::map<uint32_t, uint64_t> full_ids GUARDED_BY(mutex);  // the runtime's ids
  };

  uint32_t start(Invocation invocation);

  Runtime& runtime_;
  FunctionId caller_;
  std::string tenant_;
  std::shared_ptr<CallNode> node_;
  std::shared_ptr<Children> children_;  // made by the first chained call: most calls chain none
};

}  // namespace wasmlet::runtime
