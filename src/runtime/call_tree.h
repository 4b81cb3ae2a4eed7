#pragma once
// The calls one outside request started, directly or by chaining, form a tree that shares one
// budget (calls, depth, fan-out, wall time). Each call is a node: when it fails, times out or
// is cancelled, its descendants are cancelled with it, so that queued ones never start and
// running ones are interrupted.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "engine/trap.h"
#include "util/error.h"
#include "util/mutex.h"

namespace wasmlet::runtime {

struct CallBudget {
  size_t max_calls = 10000;  // calls in the whole tree, the root included
  uint32_t max_depth = 16;   // chained calls below the root
  size_t max_fanout = 4096;  // calls one call may start
  // Wall time from the root's start to the end of its last descendant; zero: unlimited.
  std::chrono::nanoseconds wall_time{0};
  // Its chained calls may go to other hosts (runtime::Spillover). Off for a tree that is itself
  // a chained call sent here by another host, so a tree cannot spread without bound.
  bool may_spill = true;
};

// A chained call refused by the tree's budget; the message names the limit.
class CallBudgetExceeded : public Error {
 public:
  using Error::Error;
};

class CallNode {
 public:
  using Clock = std::chrono::steady_clock;

  // The node of a call from outside.
  static std::shared_ptr<CallNode> root(const CallBudget& budget);
  CallNode(const CallNode&) = delete;
  CallNode& operator=(const CallNode&) = delete;

  // A node for a call this one starts. Throws CallBudgetExceeded, or Error when this call is
  // already cancelled.
  std::shared_ptr<CallNode> start_child();

  uint32_t depth() const { return depth_; }
  const CallBudget& budget() const;
  // The tree's wall-time deadline, fixed when the root starts running; nullopt: none (yet).
  std::optional<Clock::time_point> deadline() const;
  // The root calls this when it starts running: the tree's wall time counts from here.
  void start_clock();

  // Cancels this call and every descendant (the first reason is kept).
  void cancel(const std::string& reason);
  // Cancels the descendants of a call that ended without them. Whether any was still live (a
  // call with none has nothing queued to sweep).
  bool cancel_descendants(const std::string& reason);
  bool cancelled() const { return cancelled_.load(std::memory_order_acquire); }
  const std::atomic<bool>& cancel_flag() const { return cancelled_; }
  std::string cancel_reason() const;

  // While alive, the calling thread runs this call: cancel() interrupts it there.
  class Running {
   public:
    explicit Running(CallNode& node);
    Running(const Running&) = delete;
    Running& operator=(const Running&) = delete;
    ~Running();

   private:
    CallNode& node_;
  };

  struct Tree;  // shared by the nodes of one tree
  CallNode(std::shared_ptr<Tree> tree, uint32_t depth);

 private:
  // Whether this call was live (not cancelled before).
  bool cancel_locked(const std::string& reason, std::vector<engine::ThreadHandle>& to_interrupt);

  std::shared_ptr<Tree> tree_;
  const uint32_t depth_;
  std::atomic<bool> cancelled_{false};
  // Guarded by the tree's mutex:
  std::string reason_;
  std::vector<std::shared_ptr<CallNode>> children_;
  std::optional<engine::ThreadHandle> thread_;  // while a thread runs the call
};

}  // namespace wasmlet::runtime
