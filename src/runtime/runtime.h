#pragma once
// The runtime: functions (store and registry), invocations (call ids, results, async status),
// executors with a bounded queue, and the state tier. Knows nothing of HTTP.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <stop_token>
#include <thread>
#include <vector>

#include "engine/engine.h"
#include "faaslet/call.h"
#include "faaslet/faaslet_pool.h"
#include "faaslet/function_config.h"
#include "host/shared_dir_usage.h"
#include "runtime/call_record.h"
#include "runtime/call_tree.h"
#include "runtime/composite.h"
#include "runtime/function_store.h"
#include "runtime/metrics.h"
#include "runtime/python_interpreter.h"
#include "runtime/result_store.h"
#include "runtime/run_queue.h"
#include "runtime/tenant_policy.h"
#include "state/global_state.h"
#include "state/state_tier.h"
#include "util/mutex.h"

namespace wasmlet::faaslet {
class CgroupManager;
}  // namespace wasmlet::faaslet

namespace wasmlet::runtime {

struct RuntimeConfig {
  std::filesystem::path data_dir;  // function store, compile cache, shared files
  std::string state_url;           // global state tier: empty = in process; redis://HOST:PORT
  size_t executor_threads = 2;
  RunQueue::Limits queue;  // queued calls beyond these are refused (QueueFull)
  // A tenant with nothing running whose call would wait behind other tenants' calls runs it
  // at once on an extra thread, beyond the executors: at most this many such calls at a time.
  size_t burst_slots = 2;
  ResultLimits results;          // finished calls kept for status queries
  size_t max_idle_faaslets = 8;  // per function
  // Functions whose Proto-Faaslet and pool are kept; past these, the least recently called
  // are dropped (and rebuilt on their next call), giving back their memory and descriptors.
  size_t max_live_functions = 1024;
  size_t max_live_functions_per_tenant = 256;
  // Threads that await a chained call give their executor slot up, and the runtime adds a
  // thread so the callee can run: deep chains cannot deadlock. At most this many threads.
  size_t max_executor_threads = 256;
  // Calls that may run on their caller's thread (try_run_inline) at once; 0: none. A server
  // allows one per I/O thread (its standby thread serves connections when all are taken).
  size_t max_inline_calls = 0;
  // A function runs inline only while its last kInlineStreak calls each took less than this.
  std::chrono::nanoseconds inline_call_limit = std::chrono::milliseconds(1);
  // A Faaslet reset expected to take 20 us or more waits until its call's result has been
  // handed on, then goes to an idle executor when a core is free (see docs/scheduling.md).
  // Off: every reset is done on its call's thread, before the result is handed on.
  bool hand_over_resets = true;
  // What one call from outside and everything it chains may use. A zero wall time means the
  // function time limit (limits.timeout).
  CallBudget call_budget;
  // The outputs of the calls one call chained that it holds until it reads them (CallChain).
  size_t max_held_chain_output_bytes = size_t{256} << 20;
  // Distinct state keys one call may touch; past it the state call fails the guest's call.
  size_t max_state_keys_per_call = state::StateTier::kDefaultMaxKeysPerCall;
  // Host memory one user's state segments may hold on this host; writes past it fail.
  size_t max_state_bytes_per_tenant = state::StateTier::kDefaultMaxBytesPerUser;
  // Local state segments kept on this host, in all and per tenant (see StateTier).
  size_t max_state_segments = state::StateTier::kDefaultMaxSegments;
  size_t max_state_segments_per_tenant = state::StateTier::kDefaultMaxSegmentsPerUser;
  faaslet::FunctionLimits limits;        // defaults for every function
  engine::ModuleLimits module_limits;    // what an upload may declare (checked before compiling)
  engine::CompileLimits compile_limits;  // what compiling one upload may take
  // A Python home (see python_interpreter.h); empty: Python functions cannot run.
  std::filesystem::path python_home;
  // Each user's functions see their own shared files (DATA_DIR/tenant-files/USER) rather than
  // the one tree all users share, as in Faasm (DATA_DIR/shared).
  bool shared_files_per_tenant = false;
  // What a tenant's shared files may take on disk, written by clients (PUT /file) and by its
  // functions (faasm://) together, unless its TenantPolicy says otherwise.
  uint64_t max_shared_file_bytes = uint64_t{1} << 30;
};

// How a Python upload asks to be called.
struct PythonUpload {
  std::string entry;       // "module:function", "module", ":function"; empty: detect
  std::string convention;  // detect (or empty), faasm, openwhisk, lambda
  // What the tenant may still store; a package unpacking to more is UploadQuotaExceeded.
  size_t quota_bytes = SIZE_MAX;
};

// Told of each change to the function registry once it is made, on the thread that made it,
// with no lock held (the cluster publishes uploads to its peers). Must not throw.
class FunctionObserver {
 public:
  virtual ~FunctionObserver() = default;
  // `python`: how a Python upload asked to be called; null for a wasm module.
  virtual void uploaded(const FunctionInfo& info, std::string_view body,
                        const PythonUpload* python) noexcept = 0;
  virtual void removed(const FunctionId& id) noexcept = 0;
};

// Where chained calls go when every executor here is taken (the cluster's other hosts). Called
// from submit(), holding no lock.
class Spillover {
 public:
  virtual ~Spillover() = default;
  // True when it took the call: `done` is then called exactly once, on any thread, with its
  // record. False to queue it here after all.
  virtual bool spill(Invocation& invocation, Completion& done) = 0;
};

// Calls are refused once shutdown() has begun.
class ShuttingDown : public Error {
 public:
  ShuttingDown() : Error("the runtime is shutting down") {}
};

// The function exists but cannot run on this server (a Python function without an interpreter).
class Unsupported : public Error {
 public:
  using Error::Error;
};

class Runtime {
 public:
  explicit Runtime(RuntimeConfig config);
  Runtime(const Runtime&) = delete;
  Runtime& operator=(const Runtime&) = delete;
  ~Runtime();  // shutdown()

  // Functions. Uploads compile first and throw UploadError with the reason.
  // A stop request on `stop` cancels the compile (engine::CompileCancelled).
  FunctionInfo upload_wasm(const FunctionId& id, std::span<const unsigned char> wasm,
                           std::stop_token stop = {});
  // A Python source file or package archive. The function's module is imported (its
  // Proto-Faaslet made) before anything is listed: a syntax error, a failed import or a
  // missing entry throws UploadError with the traceback, and stores nothing.
  FunctionInfo upload_python(const FunctionId& id, std::string_view body,
                             const PythonUpload& how = {});
  std::vector<FunctionInfo> functions() const;
  std::optional<FunctionInfo> function(const FunctionId& id) const;
  bool remove_function(const FunctionId& id);

  // Who runs the calls of names that are compositions (workflows) rather than functions. Set
  // once, before calls are submitted; it must outlive the runtime's calls.
  void set_composite_runner(CompositeRunner* runner) { composites_ = runner; }
  // Who sets tenants' ceilings and chaining rights (see TenantPolicy). Set once, before calls
  // are submitted; it must outlive the runtime.
  void set_tenant_policy(const TenantPolicy* policy) { tenant_policy_ = policy; }
  // Who is told of uploads and removals. Set once, before any; it must outlive the runtime.
  void set_function_observer(FunctionObserver* observer) { observer_ = observer; }
  // Who takes chained calls this host has no executor for. Set before calls are submitted (or
  // to null after the last); it must outlive them.
  void set_spillover(Spillover* spillover) { spillover_ = spillover; }
  // A tenant's ceilings changed: its functions are rebuilt under the new ones on their next call
  // (calls running now finish under the old), and its state limit applies to new writes.
  void tenant_changed(const std::string& tenant);
  // The shared files that `user`'s functions see (and HTTP /file of that user writes).
  std::filesystem::path shared_dir(const std::string& user) const;
  // What every shared-files directory takes, as its writers (functions, PUT /file) count it.
  host::SharedDirUsage& shared_file_usage() { return shared_usage_; }
  // What `user`'s shared files may take.
  uint64_t shared_file_quota(const std::string& user) const;

  // Queues a call; returns its id. Throws UnknownFunction, Unsupported, QueueFull, or
  // ShuttingDown. A name that is no function but a composition starts a composite call. A call
  // whose function is deleted before it runs fails with error kind "unknown_function"; one
  // cancelled before it runs, with "cancelled". `done` (optional) runs on the thread that ran the
  // call when it finishes.
  uint64_t submit(Invocation invocation, Completion done = {});
  // Runs a call from outside now, on the calling thread, when that is both cheap and safe: its
  // function is warm and its recent calls were all short, nothing is queued, and fewer than
  // max_inline_calls run this way. Returns its id, `done` having been called; nullopt (and
  // both arguments untouched): submit() it instead. Saves the two thread hand-offs of a call
  // through the executors. A call that turns out long stops its function running inline.
  std::optional<uint64_t> try_run_inline(Invocation& invocation, Completion& done);
  static constexpr uint32_t kInlineStreak = 8;
  // Cancels a call from outside and everything it chained (its caller gave up on it): if
  // queued it does not run, if running it is interrupted. False for an unknown call.
  bool cancel(uint64_t id, const std::string& reason);
  // The call's record while it is queued, running, or kept after it finished.
  std::optional<CallRecord> call_record(uint64_t id) const;
  // Summaries of the latest calls `include` accepts, newest first (ResultStore::recent).
  std::vector<CallRecord> recent_calls(const ResultStore::Filter& include, size_t limit) const {
    return results_.recent(include, limit);
  }

  // The global tier for clients (HTTP `/s`): writes also update this host's local segments.
  state::GlobalState& state() { return *state_view_; }
  const FunctionStore& store() const { return store_; }
  MetricsSnapshot metrics() const;
  // The figures of each function `include` accepts that has run; never waits on a call or a
  // build.
  std::vector<FunctionStats> function_stats(
      const std::function<bool(const FunctionId&)>& include) const;
  struct TenantLoad {
    size_t queued = 0, running = 0;
  };
  // A tenant's calls waiting for an executor and running on one.
  TenantLoad tenant_load(const std::string& tenant) const;
  // Executors a call submitted now would find free (calls already waiting take them first).
  // One lock, no snapshot: cheap enough to poll.
  size_t free_executors() const;
  // Every executor is taken (or work already waits for one): a call submitted now would queue.
  bool saturated() const { return free_executors() == 0; }
  const RuntimeConfig& config() const { return config_; }

  // Stops taking calls, finishes the queued and running ones, joins the executors.
  void shutdown();

 private:
  struct LoadedFunction;
  friend class CallChain;

  void executor_loop();
  void watch();
  void start_thread_if_needed_locked() REQUIRES(queue_mutex_);
  bool work_ready_locked() const REQUIRES(queue_mutex_);
  // An executor thread about to block (awaiting a chained call, or another call's build of
  // the Proto-Faaslet) gives its slot to others, and takes one back afterwards.
  void release_slot();
  void acquire_slot();
  // Runs call `id` on the calling thread if no executor has started it yet; false otherwise.
  // An awaiting caller uses it to skip two thread hand-offs.
  bool run_queued_here(uint64_t id);
  // Wakes an executor for ready work this thread queued without one (see submit).
  void announce_deferred();
  // Clears this thread's queued-without-a-wake-up mark; whether it was set.
  bool take_deferred_locked() REQUIRES(queue_mutex_);
  // Runs the call, then any call its completion submitted for this thread to run next.
  void run_call(QueuedCall& call);
  void run_one(QueuedCall& call);
  // Starts a composite call on this executor (its first states may take a while); it
  // completes when its runner says so, on whichever thread that is.
  void start_composite(QueuedCall& call);
  // Runs the call and records its outcome, whatever it is; its Faaslet's reset is left to
  // `reset` (see finish_reset).
  CallRecord execute(QueuedCall& call, faaslet::PendingReset& reset);
  // The call through its function's pool: loads the function and builds the pool if needed.
  faaslet::CallResult run_in_pool(QueuedCall& call, faaslet::PendingReset& reset);
  // Resets a Faaslet whose call has been completed, a long reset (run_in_pool does short ones
  // at once): on an idle executor when a core is free, so that this thread goes on at once,
  // else here.
  void finish_reset(faaslet::PendingReset reset);
  // Queues `reset` for an idle executor (moving from it) if one is idle and a core is free.
  bool hand_over(faaslet::PendingReset& reset);
  // Threads running calls now (executors' and inline ones).
  size_t busy_threads_locked() const REQUIRES(queue_mutex_);
  // Throws UploadError when a composition has the name.
  void check_not_composite(const FunctionId& id) const;
  // Fails the queued calls of cancelled trees without running them.
  void drop_cancelled();
  void fail_unrun(QueuedCall& call, std::string kind, std::string message);
  // Records the finished call (metrics, kept record) and tells its caller.
  void complete(QueuedCall& call, CallRecord record);
  std::shared_ptr<LoadedFunction> loaded_function(const FunctionId& id);
  std::shared_ptr<LoadedFunction> load_function(const FunctionInfo& info);
  void evict_functions_locked(const std::string& tenant) REQUIRES(functions_mutex_);
  // The least recently used function (of `tenant`, when not null).
  void evict_lru_locked(const std::string* tenant) REQUIRES(functions_mutex_);
  // The function's pool, built by the first caller; others wait for it without their slot.
  std::shared_ptr<faaslet::FaasletPool> pool_for(LoadedFunction& fn);
  // The function's Proto-Faaslet and pool.
  std::shared_ptr<faaslet::FaasletPool> make_pool(const LoadedFunction& fn);
  static faaslet::EntryPoint resolve_entry(const LoadedFunction& fn,
                                           const faaslet::EntryPoint& asked);

  RuntimeConfig config_;
  CompositeRunner* composites_ = nullptr;
  const TenantPolicy* tenant_policy_ = nullptr;
  FunctionObserver* observer_ = nullptr;
  std::atomic<Spillover*> spillover_{nullptr};
  engine::Engine engine_;
  FunctionStore store_;
  PythonInterpreter python_;
  std::unique_ptr<state::GlobalState> state_;
  std::unique_ptr<state::StateTier> state_tier_;
  std::unique_ptr<state::WriteThroughState> state_view_;
  std::unique_ptr<faaslet::CgroupManager> cgroups_;
  Metrics metrics_;
  ResultStore results_;
  host::SharedDirUsage shared_usage_;

  mutable util::Mutex functions_mutex_;
  std::map<FunctionId, std::shared_ptr<LoadedFunction>> loaded_ GUARDED_BY(functions_mutex_);
  uint64_t use_clock_ GUARDED_BY(functions_mutex_) = 0;  // orders loaded functions by last use

  mutable util::Mutex queue_mutex_;
  util::CondVar work_cv_;  // executors waiting for a job (and a slot)
  util::CondVar slot_cv_;  // threads back from awaiting, waiting for a slot
  RunQueue queue_ GUARDED_BY(queue_mutex_);
  // Written under queue_mutex_ (waiters on its condition variables read it there); the inline
  // fast path reads it without.
  std::atomic<bool> stopping_{false};
  size_t running_ GUARDED_BY(queue_mutex_) = 0;
  // The queue's length without queue_mutex_ (RunQueue keeps it atomic): a hint for the inline
  // fast path, exact only under the lock.
  size_t queued_hint() const NO_THREAD_SAFETY_ANALYSIS { return queue_.size(); }
  // How many more threads may run guest code now.
  size_t free_slots_ GUARDED_BY(queue_mutex_) = 0;
  // Extra calls of otherwise idle tenants that may start now.
  size_t free_bursts_ GUARDED_BY(queue_mutex_) = 0;
  size_t idle_threads_ GUARDED_BY(queue_mutex_) = 0;  // executor threads waiting for work
  // Resets handed to idle executors (finish_reset), which take them before calls.
  std::deque<faaslet::PendingReset> resets_ GUARDED_BY(queue_mutex_);
  const size_t cores_;
  // Chained calls queued without a wake-up (see submit), ever; the watchdog ticks while they
  // are being made.
  uint64_t deferred_ GUARDED_BY(queue_mutex_) = 0;
  size_t unannounced_ GUARDED_BY(queue_mutex_) = 0;  // threads whose mark is set
  bool watching_ GUARDED_BY(queue_mutex_) = false;
  // Executor threads started that have not yet looked for work.
  size_t starting_ GUARDED_BY(queue_mutex_) = 0;
  util::CondVar watch_cv_;
  // Threads in acquire_slot(): they get freed slots first.
  size_t slot_waiters_ GUARDED_BY(queue_mutex_) = 0;
  std::atomic<size_t> inline_running_{0};  // calls in try_run_inline, also counted as running
  std::vector<std::thread> executors_ GUARDED_BY(queue_mutex_);
  // Wakes executors for ready work nobody was woken for (see submit); ends with shutdown.
  std::thread watchdog_ GUARDED_BY(queue_mutex_);
  // Roots of calls from outside still queued or running, for cancel().
  std::map<uint64_t, std::weak_ptr<CallNode>> roots_ GUARDED_BY(queue_mutex_);
};

}  // namespace wasmlet::runtime
