#include "runtime/call_tree.h"

#include <fmt/format.h>

namespace wasmlet::runtime {

struct CallNode::Tree {
  explicit Tree(const CallBudget& b) : budget(b) {}
  const CallBudget budget;
  util::Mutex mutex;  // guards what follows and every node's children, reason and thread
  size_t calls GUARDED_BY(mutex) = 1;
  std::optional<Clock::time_point> deadline GUARDED_BY(mutex);
};

CallNode::CallNode(std::shared_ptr<Tree> tree, uint32_t depth)
    : tree_(std::move(tree)), depth_(depth) {}

std::shared_ptr<CallNode> CallNode::root(const CallBudget& budget) {
  return std::make_shared<CallNode>(std::make_shared<Tree>(budget), 0);
}

const CallBudget& CallNode::budget() const { return tree_->budget; }

std::shared_ptr<CallNode> CallNode::start_child() {
  const CallBudget& budget = tree_->budget;
  util::MutexLock lock(tree_->mutex);
  if (cancelled()) throw Error(fmt::format("the call was cancelled: {}", reason_));
  if (depth_ + 1 > budget.max_depth) {
    throw CallBudgetExceeded(fmt::format("chain depth limit of {} reached", budget.max_depth));
  }
  if (children_.size() >= budget.max_fanout) {
    throw CallBudgetExceeded(
        fmt::format("a call may start at most {} chained calls", budget.max_fanout));
  }
  if (tree_->calls >= budget.max_calls) {
    throw CallBudgetExceeded(
        fmt::format("the request's call tree reached its limit of {} calls", budget.max_calls));
  }
  if (tree_->deadline && Clock::now() >= *tree_->deadline) {
    throw CallBudgetExceeded("the request's call tree ran out of wall time");
  }
  ++tree_->calls;
  children_.push_back(std::make_shared<CallNode>(tree_, depth_ + 1));
  return children_.back();
}

std::optional<CallNode::Clock::time_point> CallNode::deadline() const {
  util::MutexLock lock(tree_->mutex);
  return tree_->deadline;
}

void CallNode::start_clock() {
  util::MutexLock lock(tree_->mutex);
  if (!tree_->deadline && tree_->budget.wall_time.count() > 0) {
    tree_->deadline = Clock::now() + tree_->budget.wall_time;
  }
}

void CallNode::cancel(const std::string& reason) {
  std::vector<engine::ThreadHandle> threads;
  util::MutexLock lock(tree_->mutex);
  cancel_locked(reason, threads);
  // Under the lock: a Running scope cannot end, so no thread id is stale.
  for (engine::ThreadHandle t : threads) engine::interrupt_thread(t);
}

bool CallNode::cancel_descendants(const std::string& reason) {
  std::vector<engine::ThreadHandle> threads;
  util::MutexLock lock(tree_->mutex);
  bool any = false;
  for (auto& child : children_) any = child->cancel_locked(reason, threads) || any;
  for (engine::ThreadHandle t : threads) engine::interrupt_thread(t);
  return any;
}

bool CallNode::cancel_locked(const std::string& reason,
                             std::vector<engine::ThreadHandle>& to_interrupt) {
  // A cancelled node's descendants were cancelled with it; one that finished cannot start
  // more. Either way the walk stops here, which bounds it by the live part of the tree.
  if (cancelled_.exchange(true, std::memory_order_acq_rel)) return false;
  reason_ = reason;
  if (thread_) to_interrupt.push_back(*thread_);
  for (auto& child : children_) child->cancel_locked(reason, to_interrupt);
  return true;
}

std::string CallNode::cancel_reason() const {
  util::MutexLock lock(tree_->mutex);
  return reason_;
}

CallNode::Running::Running(CallNode& node) : node_(node) {
  util::MutexLock lock(node_.tree_->mutex);
  node_.thread_ = engine::current_thread();
}

CallNode::Running::~Running() {
  util::MutexLock lock(node_.tree_->mutex);
  node_.thread_.reset();
}

}  // namespace wasmlet::runtime
