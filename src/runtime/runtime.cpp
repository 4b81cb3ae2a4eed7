#include "runtime/runtime.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <utility>

#include "faaslet/cgroup.h"
#include "faaslet/faaslet_pool.h"
#include "faaslet/instance_setup.h"
#include "faaslet/proto_faaslet.h"
#include "runtime/call_chain.h"
#include "runtime/faasm_environment.h"
#include "state/redis_state.h"

namespace wasmlet::runtime {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

// A call submitted by the completion of a call an executor thread has just run (a workflow's
// next step), while nothing else is queued, is run next by that thread itself: no hand-off to
// another thread, whose wake-up would cost more than a short step. run_call owns the slot;
// complete() opens it only around the completion, never while guest code runs (a guest that
// chains a call and awaits it needs it run elsewhere).
thread_local std::optional<QueuedCall>* t_next_call = nullptr;
thread_local bool t_completing = false;

// A call chained by guest code on an executor thread is usually awaited a moment later, and
// the awaiting caller then runs it itself (run_queued_here). Waking an idle executor for it
// would cost the caller a futex wake (6-7 us here: an IPI to a halted virtual CPU) and, when the
// woken thread wins the race, two more thread hand-offs. So the thread's first such call is
// queued without a wake-up, and the watchdog, which ticks while such calls are being made, wakes
// an executor for it if its caller keeps computing instead: at most one tick later. Set from
// that submit until the thread next awaits, blocks or ends its call.
thread_local bool t_deferred_wake = false;
constexpr auto kWatchTick = std::chrono::milliseconds(1);
// The watchdog sleeps (no ticks) once this long has passed without such a call.
constexpr auto kWatchQuiet = std::chrono::milliseconds(200);

// Set while this thread runs calls its awaiting caller took over (run_queued_here). Their resets
// stay on this thread: the caller's guest code goes on here right after, and handing them to an
// idle executor measured slower for it (bench/chain_state_bench: 1 MiB 194-209 against 165-170
// us, empty 9.0-9.6 against 4.9 us), the next chained call finding the Faaslet still being reset.
thread_local bool t_awaited_here = false;

// A Faaslet's reset expected to take at least this long waits until the call's result has been
// handed on, then goes to an idle executor when a core is free: waking one costs the waker
// 6-7 us here (see t_deferred_wake), a Flask app's reset takes 45-60 us, a 1 MiB call's 60 us.
// A C function's usually takes 1-10 us, and is done as part of its call.
constexpr auto kHandedResetTime = std::chrono::microseconds(20);

// While it lives, the thread runs no guest code but a completion (or a composition's start):
// what that submits may be the thread's next call.
class Completing {
 public:
  Completing() : outer_(std::exchange(t_completing, true)) {}
  ~Completing() { t_completing = outer_; }
  Completing(const Completing&) = delete;
  Completing& operator=(const Completing&) = delete;

 private:
  bool outer_;
};

std::unique_ptr<state::GlobalState> make_global_state(const std::string& url,
                                                      state::InMemoryState::UserLimit limit) {
  if (url.empty()) return std::make_unique<state::InMemoryState>(std::move(limit));
  if (url.starts_with("redis://")) return std::make_unique<state::RedisState>(url);
  throw Error(fmt::format("unknown state backend '{}' (use redis://HOST:PORT)", url));
}

engine::CompilerConfig compiler_config(const RuntimeConfig& config) {
  engine::CompilerConfig c;
  c.cache_dir = config.data_dir / "cache";
  c.module_limits = config.module_limits;
  c.compile_limits = config.compile_limits;
  return c;
}

CallRecord failed_record(std::string kind, std::string message) {
  CallRecord record;
  record.status = CallStatus::Failed;
  record.return_code = 1;
  record.error_kind = std::move(kind);
  record.error_message = std::move(message);
  return record;
}

// The record of a call that ran: its outputs, and what stopped it when it did not succeed.
CallRecord record_of(faaslet::CallResult r, const CallNode& node) {
  CallRecord record;
  record.return_code = r.return_code;
  record.output = std::move(r.output);
  record.stdout_text = std::move(r.stdout_text);
  record.stderr_text = std::move(r.stderr_text);
  record.status = r.ok() ? CallStatus::Succeeded : CallStatus::Failed;
  if (r.trap) {
    record.error_kind = std::string(engine::trap_kind_id(r.trap->kind));
    record.error_message = r.trap->describe();
    if (r.trap->kind == engine::TrapKind::Cancelled) {
      record.error_message += ": " + node.cancel_reason();
    }
  } else if (!r.error.empty()) {
    record.error_kind = "exception";
    record.error_message = std::move(r.error);
  }
  return record;
}

}  // namespace

// A function's loaded module and, from its first call on, its Proto-Faaslet and pool.
struct Runtime::LoadedFunction {
  FunctionInfo info;
  std::filesystem::path package_dir;  // Python functions
  std::shared_ptr<const engine::Module> module;
  FunctionMetrics* metrics = nullptr;     // the runtime's counters for it, which outlive it
  uint64_t last_use = 0;                  // guarded by the runtime's functions mutex
  std::atomic<bool> warm{false};          // the pool exists
  std::atomic<uint32_t> short_streak{0};  // consecutive calls under inline_call_limit

  // Guards what follows; held only for moments, never while a pool is built or called.
  util::Mutex mutex;
  util::CondVar built;
  bool building GUARDED_BY(mutex) = false;
  // Attempts finished, so a waiter knows its attempt ended.
  uint64_t builds GUARDED_BY(mutex) = 0;
  // Of the last attempt, for the callers that waited on it.
  std::exception_ptr build_failure GUARDED_BY(mutex);
  std::shared_ptr<faaslet::FaasletPool> pool GUARDED_BY(mutex);
};

Runtime::Runtime(RuntimeConfig config)
    : config_(std::move(config)),
      engine_(compiler_config(config_)),
      store_(config_.data_dir, engine_, faaslet::load_options()),
      python_(config_.python_home),
      // Redis bounds its memory itself (maxmemory); in process, each tenant has a share.
      state_(make_global_state(config_.state_url,
                               [this](const std::string& user) {
                                 return tenant_policy_ != nullptr
                                            ? tenant_policy_->state_bytes(
                                                  user, config_.max_state_bytes_per_tenant)
                                            : config_.max_state_bytes_per_tenant;
                               })),
      state_tier_(std::make_unique<state::StateTier>(*state_)),
      state_view_(std::make_unique<state::WriteThroughState>(*state_tier_)),
      cgroups_(std::make_unique<faaslet::CgroupManager>()),
      results_(config_.results),
      queue_(config_.queue),
      cores_(std::max(1U, std::thread::hardware_concurrency())) {
  state_tier_->set_max_keys_per_call(config_.max_state_keys_per_call);
  state_tier_->set_max_bytes_per_user(config_.max_state_bytes_per_tenant);
  state_tier_->set_max_segments(config_.max_state_segments, config_.max_state_segments_per_tenant);
  if (!cgroups_->available()) {
    spdlog::info("{}; running without per-tenant CPU weights", cgroups_->unavailable_reason());
  }
  // Scratch directories belong to live Faaslets only: whatever a previous run left is garbage.
  std::error_code ec;
  fs::remove_all(config_.data_dir / "scratch", ec);
  fs::create_directories(config_.data_dir / "scratch");
  write_faasm_etc(config_.data_dir / "etc");
  config_.executor_threads = std::max<size_t>(1, config_.executor_threads);
  free_slots_ = config_.executor_threads;
  free_bursts_ = config_.burst_slots;
  if (config_.call_budget.wall_time.count() == 0) {
    config_.call_budget.wall_time = config_.limits.timeout;
  }
  util::MutexLock lock(queue_mutex_);
  for (size_t i = 0; i < config_.executor_threads; ++i) {
    ++starting_;
    executors_.emplace_back([this] { executor_loop(); });
  }
  watchdog_ = std::thread([this] { watch(); });
}

Runtime::~Runtime() { shutdown(); }

void Runtime::check_not_composite(const FunctionId& id) const {
  if (composites_ != nullptr && composites_->contains(id)) {
    throw UploadError(id.str() + " is a workflow: a function needs a name of its own");
  }
}

void Runtime::tenant_changed(const std::string& tenant) {
  if (tenant_policy_ != nullptr) {
    state_tier_->set_user_max_bytes(
        tenant, tenant_policy_->state_bytes(tenant, config_.max_state_bytes_per_tenant));
  }
  util::MutexLock lock(functions_mutex_);
  std::erase_if(loaded_, [&](const auto& entry) { return entry.first.user == tenant; });
}

fs::path Runtime::shared_dir(const std::string& user) const {
  if (!config_.shared_files_per_tenant || user.empty()) return store_.shared_dir();
  fs::path dir = config_.data_dir / "tenant-files" / user;
  fs::create_directories(dir);  // `user` is a valid name: no separators, not "." or ".."
  return dir;
}

uint64_t Runtime::shared_file_quota(const std::string& user) const {
  return tenant_policy_ == nullptr
             ? config_.max_shared_file_bytes
             : tenant_policy_->shared_file_bytes(user, config_.max_shared_file_bytes);
}

FunctionInfo Runtime::upload_wasm(const FunctionId& id, std::span<const unsigned char> wasm,
                                  std::stop_token stop) {
  check_not_composite(id);
  FunctionInfo info = store_.put_wasm(id, wasm, std::move(stop));
  if (info.compile_seconds > 0) metrics_.record_compile(info.compile_seconds);
  {
    util::MutexLock lock(functions_mutex_);
    loaded_.erase(id);  // calls already running keep the old one until they finish
  }
  if (observer_ != nullptr) {
    observer_->uploaded(info, {reinterpret_cast<const char*>(wasm.data()), wasm.size()}, nullptr);
  }
  return info;
}

FunctionInfo Runtime::upload_python(const FunctionId& id, std::string_view body,
                                    const PythonUpload& how) {
  check_not_composite(id);
  if (!python_.available()) {
    throw Unsupported("this server has no Python interpreter (start it with --python-home)");
  }
  StagedPython staged;
  try {
    PythonEntry requested = how.entry.empty() ? PythonEntry{} : parse_entry(how.entry);
    staged =
        store_.stage_python(id, body, requested, parse_convention(how.convention), how.quota_bytes);
  } catch (const PackageQuotaExceeded& e) {
    throw UploadQuotaExceeded(e.what());
  } catch (const PackageError& e) {
    throw UploadError(e.what());
  }
  std::shared_ptr<LoadedFunction> fn;
  try {
    fn = load_function(staged.info);
    auto pool = make_pool(*fn);  // imports the module: the upload's real check
    util::MutexLock lock(fn->mutex);
    fn->pool = std::move(pool);
    fn->warm = true;
  } catch (const faaslet::GuestInitError& e) {
    store_.discard(staged);
    throw UploadError(e.what());
  } catch (const engine::TrapError& e) {
    store_.discard(staged);
    throw UploadError(fmt::format("importing the module failed: {}", e.what()));
  } catch (...) {
    store_.discard(staged);
    throw;
  }
  FunctionInfo info = store_.commit_python(staged);
  {
    util::MutexLock lock(functions_mutex_);
    loaded_[id] = std::move(fn);  // the first call finds its Proto-Faaslet ready
  }
  if (observer_ != nullptr) observer_->uploaded(info, body, &how);
  return info;
}

std::vector<FunctionInfo> Runtime::functions() const { return store_.list(); }

std::optional<FunctionInfo> Runtime::function(const FunctionId& id) const { return store_.get(id); }

bool Runtime::remove_function(const FunctionId& id) {
  bool removed = store_.remove(id);
  {
    util::MutexLock lock(functions_mutex_);
    loaded_.erase(id);
  }
  if (removed && observer_ != nullptr) observer_->removed(id);
  return removed;
}

uint64_t Runtime::submit(Invocation invocation, Completion done) {
  // The call waits from here: the bookkeeping below is part of its queue time (a workflow's
  // history places a Task's start by it).
  auto submitted = Clock::now();
  auto kind = store_.kind(invocation.function);
  bool composite = !kind;
  if (composite && (composites_ == nullptr || !composites_->contains(invocation.function))) {
    throw UnknownFunction(invocation.function);
  }
  if (kind == FunctionKind::Python && !python_.available()) {
    throw Unsupported(
        fmt::format("{} is a Python function and this server has no Python "
                    "interpreter (start it with --python-home)",
                    invocation.function.str()));
  }
  bool from_outside = invocation.node == nullptr;
  if (!from_outside && t_completing && t_next_call != nullptr && !*t_next_call &&
      queued_hint() == 0) {
    util::MutexLock lock(queue_mutex_);
    if (stopping_) throw ShuttingDown();
    uint64_t id = results_.add(invocation.function, invocation.tenant);
    t_next_call->emplace(QueuedCall{id, std::move(invocation), std::move(done), submitted, false,
                                    nullptr, composite});
    return id;
  }
  uint64_t id = 0;
  if (Spillover* spill = spillover_.load(); spill != nullptr && !from_outside && !composite &&
                                            invocation.node->budget().may_spill && saturated()) {
    // Listed here like any call, so its caller's await and status queries find it.
    {
      util::MutexLock lock(queue_mutex_);
      if (stopping_) throw ShuttingDown();
      id = results_.add(invocation.function, invocation.tenant);
    }
    auto caller = std::make_shared<Completion>(std::move(done));
    Completion finish = [this, id, function = invocation.function, tenant = invocation.tenant,
                         caller](CallRecord record) {
      record.id = id;
      record.function = function;
      record.tenant = tenant;
      results_.finish(id, CallRecord(record));
      if (*caller) (*caller)(std::move(record));
    };
    if (spill->spill(invocation, finish)) return id;
    done = std::move(*caller);  // not taken: it queues here, under the id it has
  }
  if (from_outside) {
    invocation.node = CallNode::root(invocation.budget.value_or(config_.call_budget));
  }
  std::weak_ptr<CallNode> node = invocation.node;
  FunctionId function = invocation.function;
  bool deferred = false, wake_watchdog = false;
  {
    util::MutexLock lock(queue_mutex_);
    if (stopping_) throw ShuttingDown();
    if (id == 0) id = results_.add(function, invocation.tenant);
    try {
      queue_.push(
          {id, std::move(invocation), std::move(done), submitted, false, nullptr, composite});
    } catch (const QueueFull& e) {
      metrics_.record_rejected();
      CallRecord record = failed_record("queue_full", e.what());
      record.function = std::move(function);
      results_.finish(id, std::move(record));
      throw;
    }
    if (from_outside) roots_[id] = std::move(node);
    deferred = !from_outside && t_next_call != nullptr && !t_completing && !t_deferred_wake;
    if (deferred) {
      t_deferred_wake = true;
      ++deferred_;
      ++unannounced_;
      // A sleeping watchdog is woken once, for every call deferred in the ticks that follow.
      wake_watchdog = !std::exchange(watching_, true);
    } else {
      start_thread_if_needed_locked();
    }
  }
  if (deferred) {
    if (wake_watchdog) watch_cv_.notify_one();
    return id;
  }
  work_cv_.notify_one();  // one job: one executor (a broadcast would wake them all for nothing)
  return id;
}

std::optional<uint64_t> Runtime::try_run_inline(Invocation& invocation, Completion& done) {
  if (config_.max_inline_calls == 0 || invocation.node != nullptr) return std::nullopt;
  std::shared_ptr<LoadedFunction> fn;
  {
    util::MutexLock lock(functions_mutex_);
    auto it = loaded_.find(invocation.function);
    if (it == loaded_.end()) return std::nullopt;
    fn = it->second;
  }
  if (!fn->warm.load(std::memory_order_acquire) ||
      fn->short_streak.load(std::memory_order_relaxed) < kInlineStreak) {
    return std::nullopt;
  }
  // No lock: I/O threads come through here for every call. Queued work would be overtaken (a
  // hint: work queued a moment ago may be), and calls past the cap would hold every thread.
  if (stopping_.load() || queued_hint() != 0) return std::nullopt;
  size_t running = inline_running_.load();
  do {
    if (running >= config_.max_inline_calls) return std::nullopt;
  } while (!inline_running_.compare_exchange_weak(running, running + 1));
  QueuedCall call;
  // Listed only once finished: nobody knows its id before the reply.
  call.id = results_.reserve_id();
  call.invocation = std::move(invocation);
  call.invocation.node = CallNode::root(config_.call_budget);
  call.done = std::move(done);
  call.queued_at = Clock::now();
  call.inline_call = true;
  metrics_.record_inline();
  run_call(call);
  inline_running_.fetch_sub(1);
  return call.id;
}

bool Runtime::cancel(uint64_t id, const std::string& reason) {
  std::shared_ptr<CallNode> node;
  {
    util::MutexLock lock(queue_mutex_);
    auto it = roots_.find(id);
    if (it == roots_.end()) return false;
    node = it->second.lock();
  }
  if (!node) return false;
  node->cancel(reason);
  drop_cancelled();
  return true;
}

std::optional<CallRecord> Runtime::call_record(uint64_t id) const { return results_.get(id); }

MetricsSnapshot Runtime::metrics() const {
  MetricsSnapshot s = metrics_.snapshot();
  {
    util::MutexLock lock(queue_mutex_);
    s.queue_depth = queue_.size();
    s.queue_bytes = queue_.bytes();
    s.running = running_ + inline_running_.load();
  }
  std::vector<std::shared_ptr<LoadedFunction>> functions;
  {
    util::MutexLock lock(functions_mutex_);
    functions.reserve(loaded_.size());
    for (const auto& [id, fn] : loaded_) functions.push_back(fn);
  }
  {
    util::MutexLock lock(queue_mutex_);
    s.live_faaslets += resets_.size();
  }
  // Their mutexes are only ever held for moments: this never waits on a build or a call.
  for (const auto& fn : functions) {
    std::shared_ptr<faaslet::FaasletPool> pool;
    {
      util::MutexLock fn_lock(fn->mutex);
      pool = fn->pool;
    }
    if (pool) s.live_faaslets += pool->idle();
  }
  s.live_faaslets += s.running;
  return s;
}

std::vector<FunctionStats> Runtime::function_stats(
    const std::function<bool(const FunctionId&)>& include) const {
  std::vector<FunctionStats> stats = metrics_.function_stats(include);
  std::map<FunctionId, std::shared_ptr<LoadedFunction>> loaded;
  {
    util::MutexLock lock(functions_mutex_);
    for (const auto& entry : loaded_) {
      if (include(entry.first)) loaded.insert(entry);
    }
  }
  for (auto& s : stats) {
    s.live_faaslets = s.running;
    auto it = loaded.find(s.id);
    if (it == loaded.end()) continue;
    std::shared_ptr<faaslet::FaasletPool> pool;
    {
      // Held for moments only, as in metrics().
      util::MutexLock fn_lock(it->second->mutex);
      pool = it->second->pool;
    }
    if (pool) s.live_faaslets += pool->idle();
    s.warm = pool != nullptr;
  }
  return stats;
}

Runtime::TenantLoad Runtime::tenant_load(const std::string& tenant) const {
  util::MutexLock lock(queue_mutex_);
  auto [queued, running] = queue_.load(tenant);
  return {queued, running};
}

size_t Runtime::free_executors() const {
  util::MutexLock lock(queue_mutex_);
  // Calls already queued take the free slots first (and waiters back from an await before them).
  const size_t taken = slot_waiters_ + queue_.size();
  return free_slots_ > taken ? free_slots_ - taken : 0;
}

void Runtime::shutdown() {
  {
    util::MutexLock lock(queue_mutex_);
    stopping_ = true;
  }
  work_cv_.notify_all();
  slot_cv_.notify_all();
  watch_cv_.notify_all();
  // Threads may still be added while queued chained calls finish: join until none are left.
  for (;;) {
    std::vector<std::thread> threads;
    {
      util::MutexLock lock(queue_mutex_);
      threads.swap(executors_);
      if (threads.empty() && watchdog_.joinable()) threads.push_back(std::move(watchdog_));
    }
    if (threads.empty()) break;
    for (auto& t : threads) t.join();
  }
  std::deque<faaslet::PendingReset> left;  // handed over as the last executor left
  {
    util::MutexLock lock(queue_mutex_);
    left.swap(resets_);
  }
}

// Queued work can start now: on a free slot (waiters back from an await go first), or as a
// burst for a tenant that has nothing running.
bool Runtime::work_ready_locked() const {
  if (queue_.empty()) return false;
  return free_slots_ > slot_waiters_ || (free_bursts_ > 0 && queue_.has_idle_tenant_work());
}

void Runtime::start_thread_if_needed_locked() {
  // A thread started a moment ago that has not reached its wait yet will look too.
  if (work_ready_locked() && idle_threads_ == 0 && starting_ == 0 &&
      executors_.size() < config_.max_executor_threads) {
    ++starting_;
    executors_.emplace_back([this] { executor_loop(); });
  }
}

bool Runtime::take_deferred_locked() {
  if (!std::exchange(t_deferred_wake, false)) return false;
  --unannounced_;
  return true;
}

void Runtime::watch() {
  util::UniqueLock lock(queue_mutex_);
  int quiet_ticks = 0;
  while (!stopping_) {
    if (!watching_) {
      watch_cv_.wait(lock);
      continue;
    }
    uint64_t deferred = deferred_;
    watch_cv_.wait_for(lock, kWatchTick);
    // A call queued without a wake-up whose caller has not come back for it.
    if (unannounced_ > 0 && work_ready_locked()) {
      try {
        start_thread_if_needed_locked();
      } catch (const std::exception& e) {
        spdlog::error("cannot start an executor thread: {}", e.what());
      }
      lock.unlock();
      work_cv_.notify_one();
      lock.lock();
    }
    quiet_ticks = deferred_ == deferred ? quiet_ticks + 1 : 0;
    if (quiet_ticks * kWatchTick >= kWatchQuiet) {
      watching_ = false;
      quiet_ticks = 0;
    }
  }
}

void Runtime::release_slot() {
  bool wake_waiter = false, announce = false;
  {
    util::MutexLock lock(queue_mutex_);
    ++free_slots_;
    wake_waiter = slot_waiters_ > 0;
    announce = take_deferred_locked();
    start_thread_if_needed_locked();
  }
  // The slot goes to a caller back from its own await first, else to queued work; a call this
  // thread queued without a wake-up gets one either way.
  if (wake_waiter) slot_cv_.notify_one();
  if (!wake_waiter || announce) work_cv_.notify_one();
}

bool Runtime::run_queued_here(uint64_t id) {
  std::optional<QueuedCall> call;
  {
    util::MutexLock lock(queue_mutex_);
    call = queue_.take(id);
    if (call) {
      queue_.started(call->invocation.owner());
      ++running_;
    }
  }
  // Whatever else this thread queued without a wake-up now needs one.
  announce_deferred();
  if (!call) return false;
  {
    struct Awaited {
      bool outer = std::exchange(t_awaited_here, true);
      ~Awaited() { t_awaited_here = outer; }
    } awaited;
    run_call(*call);  // on this thread's executor slot, which it already holds
  }
  {
    util::MutexLock lock(queue_mutex_);
    queue_.finished(call->invocation.owner());
    --running_;
  }
  announce_deferred();  // what the callee queued and did not await
  return true;
}

void Runtime::announce_deferred() {
  if (!t_deferred_wake) return;
  bool ready = false;
  {
    util::MutexLock lock(queue_mutex_);
    take_deferred_locked();
    ready = work_ready_locked();
    if (ready) start_thread_if_needed_locked();
  }
  if (ready) work_cv_.notify_one();
}

void Runtime::acquire_slot() {
  util::UniqueLock lock(queue_mutex_);
  ++slot_waiters_;
  while (free_slots_ == 0) slot_cv_.wait(lock);
  --slot_waiters_;
  --free_slots_;
  // Slots this waiter was holding back from queued work are free for it again.
  bool work_can_run = work_ready_locked();
  lock.unlock();
  if (work_can_run) work_cv_.notify_one();
}

void Runtime::executor_loop() {
  bool started = true;  // counted in starting_ until it first looks for work
  for (;;) {
    std::optional<QueuedCall> call;
    faaslet::PendingReset reset;
    bool burst = false;
    {
      util::UniqueLock lock(queue_mutex_);
      if (std::exchange(started, false)) --starting_;
      ++idle_threads_;
      // Threads returning from an await take freed slots before new work does, so a busy
      // queue cannot starve the calls that are waiting to finish.
      while (!(stopping_ && queue_.empty()) && !work_ready_locked() && resets_.empty()) {
        work_cv_.wait(lock);
      }
      --idle_threads_;
      if (!resets_.empty()) {
        reset = std::move(resets_.front());
        resets_.pop_front();
      } else if (queue_.empty()) {
        // Stopping, and everything queued has run. Threads that went back to sleep while
        // there was still work but no free slot would never see that: wake them to leave too.
        work_cv_.notify_all();
        return;
      } else {
        if (free_slots_ > slot_waiters_) {
          call = queue_.pop(config_.executor_threads);
          --free_slots_;
        } else {
          call = queue_.pop_idle_tenant();
          --free_bursts_;
          burst = true;
        }
        queue_.started(call->invocation.owner());
        ++running_;
      }
      // More may be ready (another idle tenant's burst): let a sleeping thread look.
      if (work_ready_locked()) work_cv_.notify_one();
    }
    if (reset) {
      reset.finish(true);  // the tenant's reset, under the tenant's CPU weight
      continue;
    }
    run_call(*call);
    bool wake_waiter = false;
    {
      util::MutexLock lock(queue_mutex_);
      // Anything the call queued without a wake-up: this thread looks for work next itself.
      take_deferred_locked();
      if (burst) {
        ++free_bursts_;
      } else {
        ++free_slots_;
      }
      queue_.finished(call->invocation.owner());
      --running_;
      wake_waiter = slot_waiters_ > 0;
    }
    // This thread goes straight on to the next job itself; only a waiting caller needs waking.
    if (wake_waiter) slot_cv_.notify_one();
  }
}

void Runtime::drop_cancelled() {
  std::vector<QueuedCall> dropped;
  {
    util::MutexLock lock(queue_mutex_);
    dropped = queue_.take_cancelled();
  }
  for (QueuedCall& call : dropped) {
    fail_unrun(call, "cancelled",
               fmt::format("cancelled before it ran: {}", call.invocation.node->cancel_reason()));
  }
}

void Runtime::fail_unrun(QueuedCall& call, std::string kind, std::string message) {
  CallRecord record = failed_record(std::move(kind), std::move(message));
  record.queue_time = Clock::now() - call.queued_at;
  complete(call, std::move(record));
}

void Runtime::complete(QueuedCall& call, CallRecord record) {
  record.id = call.id;
  record.function = call.invocation.function;
  std::string_view outcome = record.error_kind;
  if (record.status == CallStatus::Succeeded) {
    outcome = "success";
  } else if (outcome.empty()) {
    outcome = "failure";
  }
  FunctionMetrics& metrics =
      call.metrics != nullptr ? *call.metrics : metrics_.function(record.function);
  metrics.record_call(outcome,
                      std::chrono::duration<double>(record.queue_time + record.run_time).count());
  // Inline calls were never roots for cancel(), nor listed before now.
  bool listed = !call.inline_call;
  if (listed && (call.invocation.node == nullptr || call.invocation.node->depth() == 0)) {
    util::MutexLock lock(queue_mutex_);
    roots_.erase(call.id);
  }
  Completion done = std::move(call.done);
  if (!done) return results_.finish(call.id, std::move(record), listed);
  // The record kept for status queries copies the output (when it keeps it at all); the
  // completion gets the original.
  std::string output = std::move(record.output);
  CallRecord kept = record;
  record.output = std::move(output);
  results_.finish(call.id, std::move(kept), record.output, listed);
  Completing completing;
  done(std::move(record));
}

std::shared_ptr<Runtime::LoadedFunction> Runtime::loaded_function(const FunctionId& id) {
  {
    util::MutexLock lock(functions_mutex_);
    if (auto it = loaded_.find(id); it != loaded_.end()) {
      it->second->last_use = ++use_clock_;
      return it->second;
    }
  }
  auto info = store_.get(id);
  if (!info) throw UnknownFunction(id);
  // Loading reads the module and dlopens its cached build: outside the lock.
  auto fn = load_function(*info);
  util::MutexLock lock(functions_mutex_);
  auto [it, inserted] = loaded_.emplace(id, fn);
  it->second->last_use = ++use_clock_;
  if (inserted) evict_functions_locked(id.user);
  return it->second;
}

void Runtime::evict_functions_locked(const std::string& tenant) {
  // The least recently called go first; calls running on an evicted function keep it until they
  // finish. Linear scans, but only when a function is loaded.
  size_t own = 0;
  for (const auto& [id, fn] : loaded_) own += id.user == tenant ? 1 : 0;
  for (; own > config_.max_live_functions_per_tenant; --own) evict_lru_locked(&tenant);
  while (loaded_.size() > config_.max_live_functions) evict_lru_locked(nullptr);
}

void Runtime::evict_lru_locked(const std::string* tenant) {
  auto victim = loaded_.end();
  for (auto it = loaded_.begin(); it != loaded_.end(); ++it) {
    if (tenant != nullptr && it->first.user != *tenant) continue;
    if (victim == loaded_.end() || it->second->last_use < victim->second->last_use) victim = it;
  }
  loaded_.erase(victim);
}

std::shared_ptr<faaslet::FaasletPool> Runtime::pool_for(LoadedFunction& fn) {
  util::UniqueLock lock(fn.mutex);
  if (fn.pool) return fn.pool;
  if (fn.building) {
    // Another call builds it. Waiting must not keep an executor from other functions.
    uint64_t attempt = fn.builds;
    lock.unlock();
    release_slot();
    lock.lock();
    while (fn.builds == attempt) fn.built.wait(lock);
    auto pool = fn.pool;
    auto failure = fn.build_failure;
    lock.unlock();
    acquire_slot();
    if (pool) return pool;
    std::rethrow_exception(failure);
  }
  fn.building = true;
  lock.unlock();
  std::shared_ptr<faaslet::FaasletPool> pool;
  std::exception_ptr failure;
  try {
    pool = make_pool(fn);
  } catch (...) {
    failure = std::current_exception();
  }
  lock.lock();
  fn.building = false;
  ++fn.builds;
  fn.pool = pool;
  fn.build_failure = failure;
  fn.warm = pool != nullptr;
  lock.unlock();
  fn.built.notify_all();
  if (failure) std::rethrow_exception(failure);
  return pool;
}

std::shared_ptr<Runtime::LoadedFunction> Runtime::load_function(const FunctionInfo& info) {
  auto fn = std::make_shared<LoadedFunction>();
  fn->info = info;
  fn->metrics = &metrics_.function(info.id);
  if (info.kind == FunctionKind::Python) {
    fn->package_dir = store_.package_dir(info);
    fn->module = python_.module(faaslet::load_options());
  } else {
    fn->module = store_.load(info.id);
  }
  return fn;
}

std::shared_ptr<faaslet::FaasletPool> Runtime::make_pool(const LoadedFunction& fn) {
  const FunctionId& id = fn.info.id;
  faaslet::FunctionConfig fc;
  fc.host.args = {id.name};
  // C/C++ functions see Faasm's surroundings; Python ones get the interpreter's own.
  if (fn.info.kind != FunctionKind::Python) apply_faasm_environment(fc, config_.data_dir / "etc");
  fc.host.fs.shared_root = shared_dir(id.user);
  fc.host.fs.shared_usage = &shared_usage_;
  fc.host.fs.max_shared_dir_bytes = shared_file_quota(id.user);
  fc.host.identity = {id.user, id.name};
  fc.limits = config_.limits;
  if (tenant_policy_ != nullptr) {
    fc.limits = tenant_policy_->function_limits(id.user, config_.limits);
    state_tier_->set_user_max_bytes(
        id.user, tenant_policy_->state_bytes(id.user, config_.max_state_bytes_per_tenant));
  }
  fc.scratch_parent = config_.data_dir / "scratch";
  fc.state_tier = state_tier_.get();
  fc.user = id.user;
  if (fn.info.kind == FunctionKind::Python) python_.configure(fc, fn.info, fn.package_dir);
  auto proto = std::make_shared<faaslet::ProtoFaaslet>(fn.module, std::move(fc));
  metrics_.record_snapshot();
  return std::make_shared<faaslet::FaasletPool>(
      std::move(proto), config_.max_idle_faaslets,
      faaslet::TenantPlacement{cgroups_.get(), id.user, 100});
}

// The entry a call runs: Python functions run every call through the interpreter's call export.
faaslet::EntryPoint Runtime::resolve_entry(const LoadedFunction& fn,
                                           const faaslet::EntryPoint& asked) {
  bool python = fn.info.kind == FunctionKind::Python;
  switch (asked.kind) {
    case faaslet::EntryPoint::Kind::Main:
      return python ? faaslet::EntryPoint::python() : asked;
    case faaslet::EntryPoint::Kind::Python:
      if (!python) throw Error(fn.info.id.str() + " is not a Python function");
      return asked;
    case faaslet::EntryPoint::Kind::Export:
    case faaslet::EntryPoint::Kind::TableIndex:
      if (python) throw Error(fn.info.id.str() + " is a Python function: chain it by name");
      return asked;
  }
  return asked;
}

void Runtime::run_call(QueuedCall& call) {
  if (call.inline_call) return run_one(call);  // an I/O thread's: it takes no next call
  std::optional<QueuedCall> next;
  struct Restore {
    std::optional<QueuedCall>* outer;
    ~Restore() { t_next_call = outer; }
  } restore{std::exchange(t_next_call, &next)};
  run_one(call);
  while (next) {
    announce_deferred();  // this thread runs the next call first
    QueuedCall continuation = std::move(*next);
    next.reset();
    run_one(continuation);
  }
}

void Runtime::run_one(QueuedCall& call) {
  CallNode& node = *call.invocation.node;
  if (node.cancelled()) {
    return fail_unrun(call, "cancelled",
                      fmt::format("cancelled before it ran: {}", node.cancel_reason()));
  }
  if (call.composite) return start_composite(call);
  if (!call.inline_call) results_.set_running(call.id);
  faaslet::PendingReset reset;
  CallRecord record = execute(call, reset);
  // A call that did not succeed takes what it chained with it; one that did leaves its
  // unawaited calls to run within the tree's budget.
  if (record.status != CallStatus::Succeeded &&
      node.cancel_descendants(fmt::format("the calling call {} failed", call.id))) {
    drop_cancelled();
  }
  // Its caller has the result (a reply is on its way, an awaiting guest may go on) before the
  // Faaslet is reset.
  complete(call, std::move(record));
  finish_reset(std::move(reset));
}

size_t Runtime::busy_threads_locked() const {
  auto taken = [](size_t all, size_t free) { return all > free ? all - free : 0; };
  return taken(config_.executor_threads, free_slots_) + taken(config_.burst_slots, free_bursts_) +
         inline_running_.load(std::memory_order_relaxed);
}

void Runtime::finish_reset(faaslet::PendingReset reset) {
  if (!reset) return;
  if (!hand_over(reset)) return reset.finish();
  metrics_.record_handed_reset();
  work_cv_.notify_one();
}

bool Runtime::hand_over(faaslet::PendingReset& reset) {
  util::MutexLock lock(queue_mutex_);
  // This thread counts itself among the busy: a core is free when another is.
  if (stopping_ || idle_threads_ <= resets_.size() || busy_threads_locked() >= cores_) {
    return false;
  }
  resets_.push_back(std::move(reset));
  return true;
}

void Runtime::start_composite(QueuedCall& call) {
  if (call.invocation.node->depth() == 0) call.invocation.node->start_clock();
  results_.set_running(call.id);
  // What complete() needs once the run ends, on whichever thread ends it.
  auto ended = std::make_shared<QueuedCall>();
  ended->id = call.id;
  ended->invocation.function = call.invocation.function;
  ended->invocation.node = call.invocation.node;
  ended->done = std::move(call.done);
  ended->queued_at = call.queued_at;
  Completion finish = [this, ended, started = Clock::now()](CallRecord record) {
    record.queue_time = started - ended->queued_at;
    record.run_time = Clock::now() - started;
    if (record.status != CallStatus::Succeeded &&
        ended->invocation.node->cancel_descendants(
            fmt::format("the calling call {} failed", ended->id))) {
      drop_cancelled();
    }
    complete(*ended, std::move(record));
  };
  try {
    if (composites_ == nullptr) throw UnknownFunction(call.invocation.function);
    // No guest code runs here: the run's first step may be this thread's next call, as the
    // following steps are when their predecessors complete.
    Completing completing;
    composites_->start(call.id, std::move(call.invocation), finish);
  } catch (const UnknownFunction& e) {
    finish(failed_record("unknown_function", e.what()));
  } catch (const std::exception& e) {
    finish(failed_record("error", e.what()));
  }
}

faaslet::CallResult Runtime::run_in_pool(QueuedCall& call, faaslet::PendingReset& reset) {
  CallNode& node = *call.invocation.node;
  if (!store_.contains(call.invocation.function)) throw UnknownFunction(call.invocation.function);
  auto fn = loaded_function(call.invocation.function);
  call.metrics = fn->metrics;
  faaslet::EntryPoint call_entry = resolve_entry(*fn, call.invocation.entry);
  std::shared_ptr<faaslet::FaasletPool> pool = pool_for(*fn);
  CallChain chain(*this, call.invocation.function, call.invocation.owner(), call.invocation.node,
                  config_.max_held_chain_output_bytes);
  faaslet::CallOptions options;
  options.chain = &chain;
  options.call_id = call.id;
  options.cancel = &node.cancel_flag();
  options.tenant_placement = !call.inline_call;
  options.args = std::move(call.invocation.args);
  if (auto deadline = node.deadline()) {
    options.timeout = std::max(std::chrono::nanoseconds(1), *deadline - Clock::now());
  }
  if (call.invocation.timeout.count() > 0 &&
      (options.timeout.count() == 0 || call.invocation.timeout < options.timeout)) {
    options.timeout = call.invocation.timeout;
  }
  faaslet::CallResult r;
  {
    CallNode::Running running(node);
    fn->metrics->started();
    r = pool->call(std::move(call.invocation.input), call_entry, options, &reset);
    fn->metrics->finished();
  }
  // A short reset is part of the call, as it always was: deferring it would put it between a
  // workflow's steps or before an I/O thread's next request for nothing. Longer ones wait
  // until the result has been handed on (run_one).
  if (!config_.hand_over_resets || t_awaited_here || reset.expected_time() < kHandedResetTime) {
    reset.finish();
  }
  // The reset after a call is a restore too.
  uint64_t restores = (r.fresh ? 1 : 0) + (r.trap ? 0 : 1);
  metrics_.record_restores(restores);
  fn->metrics->record_restores(restores);
  // Only a run of short calls lets the function run inline (try_run_inline).
  if (r.run_time < config_.inline_call_limit && !r.trap) {
    if (fn->short_streak.load(std::memory_order_relaxed) < kInlineStreak) {
      fn->short_streak.fetch_add(1, std::memory_order_relaxed);
    }
  } else {
    fn->short_streak.store(0, std::memory_order_relaxed);
  }
  return r;
}

CallRecord Runtime::execute(QueuedCall& call, faaslet::PendingReset& reset) {
  auto started = Clock::now();
  CallNode& node = *call.invocation.node;
  if (node.depth() == 0) node.start_clock();
  CallRecord record;
  try {
    record = record_of(run_in_pool(call, reset), node);
  } catch (const UnknownFunction& e) {
    // Deleted after the call was accepted and before it ran.
    record = failed_record("unknown_function", e.what());
  } catch (const faaslet::GuestInitError& e) {
    record = failed_record("exception", std::string("initialisation failed: ") + e.what());
  } catch (const engine::TrapError& e) {
    record = failed_record(std::string(engine::trap_kind_id(e.trap().kind)),
                           std::string("initialisation failed: ") + e.what());
  } catch (const std::exception& e) {
    record = failed_record("error", e.what());
  }
  record.tenant = call.invocation.tenant;
  record.queue_time = started - call.queued_at;
  record.run_time = Clock::now() - started;
  return record;
}

}  // namespace wasmlet::runtime
