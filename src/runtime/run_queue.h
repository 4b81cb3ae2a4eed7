#pragma once
// Calls waiting for an executor, one queue per tenant, served so that no tenant's backlog or
// long calls starve another: the tenant served least recently goes next (a tenant new to the
// queue first), a tenant at or over its fair share of the executors (their number divided by
// the tenants with work) yields to one under it, and each tenant may queue only so many
// calls and so many bytes of input, so a full queue refuses the tenant that filled it.
// Not thread-safe: the runtime guards it with its queue mutex.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "faaslet/call.h"
#include "runtime/call_record.h"
#include "runtime/call_tree.h"
#include "runtime/function_id.h"
#include "util/error.h"

namespace wasmlet::runtime {

class FunctionMetrics;

struct Invocation {
  FunctionId function;
  std::string input;
  faaslet::EntryPoint entry = faaslet::EntryPoint::main();
  // The call that chained this one; null for calls from outside (a new tree).
  std::shared_ptr<CallNode> node;
  // The tenant whose call it is (see CallRecord::tenant): its fair share runs it and its
  // record is kept as that tenant's. Empty: the function's owner.
  std::string tenant;
  // argv[1..] for the call (Faasm's cmdline); empty for chained calls.
  std::vector<std::string> args;
  // A wall-time limit of this call's own, below the function's and the tree's; zero: none.
  std::chrono::nanoseconds timeout{0};
  // A call from outside: its tree's budget when not the runtime's own (a chained call another
  // host sent here gets what is left of its tree's).
  std::optional<CallBudget> budget;

  const std::string& owner() const { return tenant.empty() ? function.user : tenant; }
};

// Called on the thread that ran the call when it finishes (successfully or not). It owns the
// record: the output can be moved on into a reply (the runtime keeps its own copy).
using Completion = std::function<void(CallRecord)>;

struct QueuedCall {
  uint64_t id = 0;
  Invocation invocation;
  Completion done;
  std::chrono::steady_clock::time_point queued_at;
  bool inline_call = false;            // run on its caller's thread (Runtime::try_run_inline)
  FunctionMetrics* metrics = nullptr;  // its function's, once loaded: complete() needs no lookup
  bool composite = false;  // a composition's call (see CompositeRunner), not a function's
};

class QueueFull : public Error {
 public:
  using Error::Error;
};

class RunQueue {
 public:
  struct Limits {
    size_t capacity = 4096;    // calls queued in all
    size_t per_tenant = 1024;  // calls one tenant may have queued
    // Their inputs' bytes: an async call's input stays here after its client has its 202,
    // and a guest may chain inputs as large as its memory, so counts alone bound nothing.
    size_t bytes = size_t{2} << 30;
    size_t per_tenant_bytes = size_t{512} << 20;
  };
  explicit RunQueue(Limits limits) : limits_(limits) {}

  // Throws QueueFull naming the limit.
  void push(QueuedCall call);
  // The next call to run on one of `slots` executors; nullopt when nothing is queued.
  std::optional<QueuedCall> pop(size_t slots);
  // The oldest call of a tenant with nothing running; nullopt when there is none.
  std::optional<QueuedCall> pop_idle_tenant();
  bool has_idle_tenant_work() const;
  // Call `id`, if it is still queued.
  std::optional<QueuedCall> take(uint64_t id);
  // Every queued call whose node has been cancelled.
  std::vector<QueuedCall> take_cancelled();

  // Calls of `tenant` that are running (the queue counts them for fair shares).
  void started(const std::string& tenant);
  void finished(const std::string& tenant);

  // A tenant's calls queued and running.
  std::pair<size_t, size_t> load(const std::string& tenant) const;
  // Input bytes queued, in all and of one tenant.
  size_t bytes() const { return bytes_; }
  size_t bytes_of(const std::string& tenant) const;

  // Atomic, so that a reader without the owner's lock gets a hint (Runtime::try_run_inline).
  size_t size() const { return size_.load(std::memory_order_relaxed); }
  bool empty() const { return size() == 0; }

 private:
  struct Tenant {
    std::deque<QueuedCall> calls;
    size_t bytes = 0;  // of the queued calls' inputs
    size_t running = 0;
    uint64_t last_served = 0;  // when it last had a call popped, by serves_
  };
  using TenantMap = std::map<std::string, Tenant>;
  QueuedCall pop_from(TenantMap::iterator tenant);
  // Takes the call at `at` out of its tenant's queue and the counts.
  QueuedCall remove(TenantMap::iterator tenant, const std::deque<QueuedCall>::iterator& at);
  void forget_if_idle(TenantMap::iterator tenant);

  Limits limits_;
  TenantMap tenants_;  // those with calls queued or running
  std::atomic<size_t> size_{0};
  size_t bytes_ = 0;
  uint64_t serves_ = 0;
};

}  // namespace wasmlet::runtime
