#include "runtime/call_chain.h"

#include <fmt/format.h>

#include "runtime/runtime.h"

namespace wasmlet::runtime {

CallChain::CallChain(Runtime& runtime, FunctionId caller, uint32_t depth)
    : runtime_(runtime), caller_(std::move(caller)), depth_(depth) {}

uint32_t CallChain::chain_by_name(const std::string& function, std::string input) {
  return start({make_function_id(caller_.user, function), std::move(input), faaslet::Entry::main(),
                depth_ + 1});
}

uint32_t CallChain::chain_by_table_index(uint32_t table_index, std::string input) {
  return start({caller_, std::move(input), faaslet::Entry::table(table_index), depth_ + 1});
}

uint32_t CallChain::chain_python_entry(const std::string& entry, std::string input) {
  if (entry.empty()) throw Error("__faasm_chain_py needs the name of a function");
  return start({caller_, std::move(input), faaslet::Entry::python(entry), depth_ + 1});
}

uint32_t CallChain::start(Invocation invocation) {
  const RuntimeConfig& config = runtime_.config();
  if (invocation.chain_depth > config.max_chain_depth) {
    throw Error(fmt::format("chain depth limit of {} reached", config.max_chain_depth));
  }
  if (started_ >= config.max_chained_calls) {
    throw Error(fmt::format("a call may start at most {} chained calls", config.max_chained_calls));
  }
  // The completion may run after this call has finished: it holds the children, not `this`.
  std::shared_ptr<Children> children = children_;
  std::unique_lock lock(children->mutex);
  uint64_t id = runtime_.submit(std::move(invocation), [children](const CallRecord& record) {
    {
      std::lock_guard done_lock(children->mutex);
      children->calls[static_cast<uint32_t>(record.id)] = record;
    }
    children->done.notify_all();
  });
  auto key = static_cast<uint32_t>(id);
  children->calls.try_emplace(key);  // the completion may already have filled it
  children->full_ids[key] = id;
  ++started_;
  return key;
}

int CallChain::await_call(uint32_t call_id, std::string* output) {
  std::unique_lock lock(children_->mutex);
  auto it = children_->calls.find(call_id);
  if (it == children_->calls.end()) {
    throw Error(fmt::format("call {} was not started by this call", call_id));
  }
  if (!it->second) {
    // Still queued: run it here, on this thread and its slot. That saves two thread
    // hand-offs; the caller's deadline bounds the callee too.
    lock.unlock();
    uint64_t full_id = children_->full_ids[call_id];
    runtime_.run_queued_here(full_id);
    lock.lock();
  }
  if (!children_->calls[call_id]) {
    // Blocking here must not hold an executor slot, or a chain wider or deeper than the
    // executor pool would deadlock.
    lock.unlock();
    runtime_.release_slot();
    lock.lock();
    children_->done.wait(lock, [&] { return children_->calls[call_id].has_value(); });
    lock.unlock();
    runtime_.acquire_slot();
    lock.lock();
  }
  const CallRecord& record = *children_->calls[call_id];
  if (output != nullptr) *output = record.output;
  if (record.status == CallStatus::Succeeded) return record.return_code;
  return record.return_code != 0 ? record.return_code : 1;
}

}  // namespace wasmlet::runtime
