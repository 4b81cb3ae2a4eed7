#include "runtime/call_chain.h"

#include <fmt/format.h>

#include "runtime/runtime.h"

namespace wasmlet::runtime {

CallChain::CallChain(Runtime& runtime, FunctionId caller, std::string tenant,
                     std::shared_ptr<CallNode> node, size_t max_held_output_bytes)
    : runtime_(runtime),
      caller_(std::move(caller)),
      tenant_(std::move(tenant)),
      node_(std::move(node)),
      max_held_output_bytes_(max_held_output_bytes) {}

uint32_t CallChain::chain_by_name(const std::string& function, std::string input) {
  // "owner/function" names another user's function: allowed when that user shared it.
  size_t slash = function.find('/');
  FunctionId callee = slash == std::string::npos
                          ? make_function_id(caller_.user, function)
                          : make_function_id(std::string_view(function).substr(0, slash),
                                             std::string_view(function).substr(slash + 1));
  if (callee.user != caller_.user && runtime_.tenant_policy_ != nullptr &&
      !runtime_.tenant_policy_->may_chain(caller_.user, callee)) {
    throw Error(fmt::format("{} may not chain to {}: its owner has not shared it with {}",
                            caller_.str(), callee.str(), caller_.user));
  }
  return start({std::move(callee), std::move(input), faaslet::EntryPoint::main(), nullptr});
}

uint32_t CallChain::chain_by_table_index(uint32_t table_index, std::string input) {
  return start({caller_, std::move(input), faaslet::EntryPoint::table(table_index), nullptr});
}

uint32_t CallChain::chain_python_entry(const std::string& entry, std::string input) {
  if (entry.empty()) throw Error("__faasm_chain_py needs the name of a function");
  return start({caller_, std::move(input), faaslet::EntryPoint::python(entry), nullptr});
}

uint32_t CallChain::start(Invocation invocation) {
  invocation.node = node_->start_child();  // the tree's budget decides first
  invocation.tenant = tenant_;
  if (!children_) children_ = std::make_shared<Children>();
  // The completion may run after this call has finished: it holds the children, not `this`.
  std::shared_ptr<Children> children = children_;
  util::MutexLock lock(children->mutex);
  uint64_t id = runtime_.submit(
      std::move(invocation), [children, max_held = max_held_output_bytes_](CallRecord record) {
        Finished finished{record.status == CallStatus::Succeeded, record.return_code, {}, 0};
        {
          util::MutexLock done_lock(children->mutex);
          if (record.output.size() > max_held - children->held_bytes) {
            finished.dropped_output = record.output.size();
          } else {
            children->held_bytes += record.output.size();
            finished.output = std::move(record.output);
          }
          children->calls[static_cast<uint32_t>(record.id)] = std::move(finished);
        }
        children->done.notify_all();
      });
  auto key = static_cast<uint32_t>(id);
  children->calls.try_emplace(key);  // the completion may already have filled it
  children->full_ids[key] = id;
  return key;
}

int CallChain::await_call(uint32_t call_id, std::string* output) {
  if (!children_) children_ = std::make_shared<Children>();  // none started: refused below
  util::UniqueLock lock(children_->mutex);
  auto it = children_->calls.find(call_id);
  if (it == children_->calls.end()) {
    throw Error(fmt::format("call {} was not started by this call", call_id));
  }
  if (!it->second) {
    // Still queued: run it here, on this thread and its slot. That saves two thread
    // hand-offs; the caller's deadline bounds the callee too.
    uint64_t full_id = children_->full_ids[call_id];
    lock.unlock();
    runtime_.run_queued_here(full_id);
    lock.lock();
  } else {
    runtime_.announce_deferred();
  }
  if (!children_->calls[call_id]) {
    // Blocking here must not hold an executor slot, or a chain wider or deeper than the
    // executor pool would deadlock.
    // The wait ends early when this call is cancelled or out of time (its own deadline
    // signal only marks it): checked at short intervals, as nothing notifies of those.
    lock.unlock();
    runtime_.release_slot();
    lock.lock();
    while (!children_->calls[call_id] && !engine::deadline_passed()) {
      children_->done.wait_for(lock, std::chrono::milliseconds(20));
    }
    lock.unlock();
    runtime_.acquire_slot();
    lock.lock();
    if (!children_->calls[call_id]) {
      throw Error(fmt::format("call {} did not finish before this call was stopped", call_id));
    }
  }
  Finished& finished = *children_->calls[call_id];
  if (output != nullptr) {
    if (finished.dropped_output != 0) {
      throw Error(fmt::format(
          "call {}'s output ({} bytes) was not kept: a call holds at most {} bytes of the outputs "
          "of the calls it chains that it has not read, and this one held {}",
          call_id, finished.dropped_output, max_held_output_bytes_, children_->held_bytes));
    }
    if (finished.output_taken) {
      throw Error(
          fmt::format("call {}'s output was read already: it is handed over once", call_id));
    }
    // Handed over, not copied: a caller that chains and reads outputs one at a time holds one.
    children_->held_bytes -= finished.output.size();
    *output = std::move(finished.output);
    finished.output_taken = true;
  }
  if (finished.succeeded) return finished.return_code;
  return finished.return_code != 0 ? finished.return_code : 1;
}

}  // namespace wasmlet::runtime
