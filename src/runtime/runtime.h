#pragma once
// The runtime: functions (store and registry), invocations (call ids, results, async status),
// executors with a bounded queue, and the state tier. Knows nothing of HTTP.
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
#include <thread>
#include <vector>

#include "engine/engine.h"
#include "faaslet/call.h"
#include "faaslet/function_config.h"
#include "runtime/call_record.h"
#include "runtime/function_store.h"
#include "runtime/metrics.h"
#include "runtime/python_interpreter.h"
#include "state/global_state.h"
#include "state/state_tier.h"

namespace wasmlet::faaslet {
class FaasletPool;
class CgroupManager;
}  // namespace wasmlet::faaslet

namespace wasmlet::runtime {

struct RuntimeConfig {
  std::filesystem::path data_dir;  // function store, compile cache, shared files
  std::string state_url;           // global state tier: empty = in process; redis://HOST:PORT
  size_t executor_threads = 2;
  size_t queue_capacity = 1024;                 // queued calls beyond this are refused (QueueFull)
  size_t max_results = 10000;                   // finished calls kept for status queries...
  std::chrono::seconds result_ttl{600};         // ...and for at most this long
  size_t max_result_bytes = size_t{256} << 20;  // ...and in at most this much memory
  // A finished call's output above this is not kept for status queries (error_kind
  // "output_dropped"); a caller awaiting the call still gets all of it.
  size_t max_kept_output = size_t{1} << 20;
  size_t max_idle_faaslets = 8;  // per function
  // Threads that await a chained call give their executor slot up, and the runtime adds a
  // thread so the callee can run: deep chains cannot deadlock. At most this many threads.
  size_t max_executor_threads = 256;
  uint32_t max_chain_depth = 16;    // a chain deeper than this fails the chaining call
  size_t max_chained_calls = 4096;  // calls one call may start
  // Distinct state keys one call may touch; past it the state call fails the guest's call.
  size_t max_state_keys_per_call = state::StateTier::kDefaultMaxKeysPerCall;
  // Host memory one user's state segments may hold on this host; writes past it fail.
  size_t max_state_bytes_per_tenant = state::StateTier::kDefaultMaxBytesPerUser;
  faaslet::FunctionLimits limits;  // defaults for every function
  // A Python home (see python_interpreter.h); empty: Python functions cannot run.
  std::filesystem::path python_home;
};

// How a Python upload asks to be called.
struct PythonUpload {
  std::string entry;       // "module:function", "module", ":function"; empty: detect
  std::string convention;  // detect (or empty), faasm, openwhisk, lambda
};

class QueueFull : public Error {
 public:
  QueueFull() : Error("the run queue is full") {}
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

struct Invocation {
  FunctionId function;
  std::string input;
  faaslet::Entry entry = faaslet::Entry::main();
  uint32_t chain_depth = 0;  // 0 for calls from outside; chained calls count up
};

// Called on an executor thread when a call finishes (successfully or not).
using Completion = std::function<void(const CallRecord&)>;

class Runtime {
 public:
  explicit Runtime(RuntimeConfig config);
  Runtime(const Runtime&) = delete;
  Runtime& operator=(const Runtime&) = delete;
  ~Runtime();  // shutdown()

  // Functions. Uploads compile first and throw UploadError with the reason.
  FunctionInfo upload_wasm(const FunctionId& id, std::span<const unsigned char> wasm);
  // A Python source file or package archive. The function's module is imported (its
  // Proto-Faaslet made) before anything is listed: a syntax error, a failed import or a
  // missing entry throws UploadError with the traceback, and stores nothing.
  FunctionInfo upload_python(const FunctionId& id, std::string_view body,
                             const PythonUpload& how = {});
  std::vector<FunctionInfo> functions() const;
  std::optional<FunctionInfo> function(const FunctionId& id) const;
  bool remove_function(const FunctionId& id);

  // Queues a call; returns its id. Throws UnknownFunction, Unsupported, QueueFull, or
  // ShuttingDown. A call whose function is deleted before it runs fails with error kind
  // "unknown_function".
  // `done` (optional) runs on the executor thread when the call finishes.
  uint64_t submit(Invocation invocation, Completion done = {});
  // The call's record while it is queued, running, or kept after it finished.
  std::optional<CallRecord> call(uint64_t id) const;

  // The global tier for clients (HTTP `/s`): writes also update this host's local segments.
  state::GlobalState& state() { return *state_view_; }
  const FunctionStore& store() const { return store_; }
  MetricsSnapshot metrics() const;
  const RuntimeConfig& config() const { return config_; }

  // Stops taking calls, finishes the queued and running ones, joins the executors.
  void shutdown();

 private:
  struct Job {
    uint64_t id;
    Invocation invocation;
    Completion done;
    std::chrono::steady_clock::time_point queued_at;
  };
  struct FunctionEntry;
  friend class CallChain;

  void executor_loop();
  void start_thread_if_needed_locked();
  // An executor thread about to block (awaiting a chained call) gives its slot to others,
  // and takes one back afterwards.
  void release_slot();
  void acquire_slot();
  // Runs call `id` on the calling thread if no executor has started it yet; false otherwise.
  // An awaiting caller uses it to skip two thread hand-offs.
  bool run_queued_here(uint64_t id);
  void run_job(Job& job);
  std::shared_ptr<FunctionEntry> entry_for(const FunctionId& id);
  std::shared_ptr<FunctionEntry> make_entry(const FunctionInfo& info);
  // The entry's Proto-Faaslet and pool.
  std::shared_ptr<faaslet::FaasletPool> make_pool(const FunctionEntry& entry);
  static faaslet::Entry resolve_entry(const FunctionEntry& entry, const faaslet::Entry& asked);
  void finish(uint64_t id, CallRecord record);
  void prune_results_locked();

  RuntimeConfig config_;
  engine::Engine engine_;
  FunctionStore store_;
  PythonInterpreter python_;
  std::unique_ptr<state::GlobalState> state_;
  std::unique_ptr<state::StateTier> state_tier_;
  std::unique_ptr<state::WriteThroughState> state_view_;
  std::unique_ptr<faaslet::CgroupManager> cgroups_;
  Metrics metrics_;

  mutable std::mutex functions_mutex_;
  std::map<FunctionId, std::shared_ptr<FunctionEntry>> entries_;

  mutable std::mutex queue_mutex_;
  std::condition_variable work_cv_;  // executors waiting for a job (and a slot)
  std::condition_variable slot_cv_;  // threads back from awaiting, waiting for a slot
  std::deque<Job> queue_;
  bool stopping_ = false;
  size_t running_ = 0;
  size_t free_slots_ = 0;    // how many more threads may run guest code now
  size_t idle_threads_ = 0;  // executor threads waiting for work
  size_t slot_waiters_ = 0;  // threads in acquire_slot(): they get freed slots first
  std::vector<std::thread> executors_;

  mutable std::mutex results_mutex_;
  uint64_t next_id_ = 1;
  std::map<uint64_t, CallRecord> results_;  // ordered by id = by age
  size_t results_bytes_ = 0;                // sum of their bytes()
};

}  // namespace wasmlet::runtime
