#include "runtime/runtime.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>

#include "faaslet/cgroup.h"
#include "faaslet/faaslet_pool.h"
#include "faaslet/proto_faaslet.h"
#include "host/host_imports.h"
#include "runtime/call_chain.h"
#include "state/redis_state.h"

namespace wasmlet::runtime {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

engine::LoadOptions host_load_options() {
  engine::LoadOptions options;
  options.host_imports = host::host_imports();
  return options;
}

std::unique_ptr<state::GlobalState> make_global_state(const std::string& url) {
  if (url.empty()) return std::make_unique<state::InMemoryState>();
  if (url.starts_with("redis://")) return std::make_unique<state::RedisState>(url);
  throw Error(fmt::format("unknown state backend '{}' (use redis://HOST:PORT)", url));
}

engine::CompilerConfig compiler_config(const RuntimeConfig& config) {
  engine::CompilerConfig c;
  c.cache_dir = config.data_dir / "cache";
  return c;
}

}  // namespace

// A function's loaded module and, from its first call on, its Proto-Faaslet and pool.
struct Runtime::FunctionEntry {
  FunctionInfo info;
  std::filesystem::path package_dir;  // Python functions
  std::shared_ptr<const engine::Module> module;
  std::mutex mutex;  // guards pool creation and the restore count
  std::shared_ptr<faaslet::FaasletPool> pool;
  size_t counted_creations = 0;
};

Runtime::Runtime(RuntimeConfig config)
    : config_(std::move(config)),
      engine_(compiler_config(config_)),
      store_(config_.data_dir, engine_, host_load_options()),
      python_(config_.python_home),
      state_(make_global_state(config_.state_url)),
      state_tier_(std::make_unique<state::StateTier>(*state_)),
      state_view_(std::make_unique<state::WriteThroughState>(*state_tier_)),
      cgroups_(std::make_unique<faaslet::CgroupManager>()) {
  state_tier_->set_max_keys_per_call(config_.max_state_keys_per_call);
  state_tier_->set_max_bytes_per_user(config_.max_state_bytes_per_tenant);
  if (!cgroups_->available()) {
    spdlog::info("{}; running without per-tenant CPU weights", cgroups_->unavailable_reason());
  }
  // Scratch directories belong to live Faaslets only: whatever a previous run left is garbage.
  std::error_code ec;
  fs::remove_all(config_.data_dir / "scratch", ec);
  fs::create_directories(config_.data_dir / "scratch");
  config_.executor_threads = std::max<size_t>(1, config_.executor_threads);
  free_slots_ = config_.executor_threads;
  std::lock_guard lock(queue_mutex_);
  for (size_t i = 0; i < config_.executor_threads; ++i) {
    executors_.emplace_back([this] { executor_loop(); });
  }
}

Runtime::~Runtime() { shutdown(); }

FunctionInfo Runtime::upload_wasm(const FunctionId& id, std::span<const unsigned char> wasm) {
  FunctionInfo info = store_.put_wasm(id, wasm);
  if (info.compile_seconds > 0) metrics_.record_compile(info.compile_seconds);
  std::lock_guard lock(functions_mutex_);
  entries_.erase(id);  // calls already running keep the old entry until they finish
  return info;
}

FunctionInfo Runtime::upload_python(const FunctionId& id, std::string_view body,
                                    const PythonUpload& how) {
  if (!python_.available()) {
    throw Unsupported("this server has no Python interpreter (start it with --python-home)");
  }
  StagedPython staged;
  try {
    PythonEntry requested = how.entry.empty() ? PythonEntry{} : parse_entry(how.entry);
    staged = store_.stage_python(id, body, requested, parse_convention(how.convention));
  } catch (const PackageError& e) {
    throw UploadError(e.what());
  }
  std::shared_ptr<FunctionEntry> entry;
  try {
    entry = make_entry(staged.info);
    entry->pool = make_pool(*entry);  // imports the module: the upload's real check
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
  std::lock_guard lock(functions_mutex_);
  entries_[id] = std::move(entry);  // the first call finds its Proto-Faaslet ready
  return info;
}

std::vector<FunctionInfo> Runtime::functions() const { return store_.list(); }

std::optional<FunctionInfo> Runtime::function(const FunctionId& id) const { return store_.get(id); }

bool Runtime::remove_function(const FunctionId& id) {
  bool removed = store_.remove(id);
  std::lock_guard lock(functions_mutex_);
  entries_.erase(id);
  return removed;
}

uint64_t Runtime::submit(Invocation invocation, Completion done) {
  auto info = store_.get(invocation.function);
  if (!info) throw UnknownFunction(invocation.function);
  if (info->kind == FunctionKind::Python && !python_.available()) {
    throw Unsupported(
        fmt::format("{} is a Python function and this server has no Python "
                    "interpreter (start it with --python-home)",
                    invocation.function.str()));
  }
  uint64_t id = 0;
  {
    std::lock_guard lock(queue_mutex_);
    if (stopping_) throw ShuttingDown();
    if (queue_.size() >= config_.queue_capacity) {
      metrics_.record_rejected();
      throw QueueFull();
    }
    {
      std::lock_guard results(results_mutex_);
      id = next_id_++;
      CallRecord record;
      record.id = id;
      record.function = invocation.function;
      record.submitted_at = std::chrono::system_clock::now();
      results_bytes_ += record.bytes();
      results_[id] = std::move(record);
      prune_results_locked();
    }
    queue_.push_back({id, std::move(invocation), std::move(done), Clock::now()});
    start_thread_if_needed_locked();
  }
  work_cv_.notify_one();  // one job: one executor (a broadcast would wake them all for nothing)
  return id;
}

std::optional<CallRecord> Runtime::call(uint64_t id) const {
  std::lock_guard lock(results_mutex_);
  auto it = results_.find(id);
  if (it == results_.end()) return std::nullopt;
  return it->second;
}

MetricsSnapshot Runtime::metrics() const {
  MetricsSnapshot s = metrics_.snapshot();
  {
    std::lock_guard lock(queue_mutex_);
    s.queue_depth = queue_.size();
    s.running = running_;
  }
  std::lock_guard lock(functions_mutex_);
  for (const auto& [id, entry] : entries_) {
    std::lock_guard entry_lock(entry->mutex);
    if (entry->pool) s.live_faaslets += entry->pool->idle();
  }
  s.live_faaslets += s.running;
  return s;
}

void Runtime::shutdown() {
  {
    std::lock_guard lock(queue_mutex_);
    stopping_ = true;
  }
  work_cv_.notify_all();
  slot_cv_.notify_all();
  // Threads may still be added while queued chained calls finish: join until none are left.
  for (;;) {
    std::vector<std::thread> threads;
    {
      std::lock_guard lock(queue_mutex_);
      threads.swap(executors_);
    }
    if (threads.empty()) return;
    for (auto& t : threads) t.join();
  }
}

void Runtime::start_thread_if_needed_locked() {
  bool work_waits = !queue_.empty() && free_slots_ > slot_waiters_ && idle_threads_ == 0;
  if (work_waits && executors_.size() < config_.max_executor_threads) {
    executors_.emplace_back([this] { executor_loop(); });
  }
}

void Runtime::release_slot() {
  bool wake_waiter = false;
  {
    std::lock_guard lock(queue_mutex_);
    ++free_slots_;
    wake_waiter = slot_waiters_ > 0;
    start_thread_if_needed_locked();
  }
  // The slot goes to a caller back from its own await first, else to queued work.
  if (wake_waiter) {
    slot_cv_.notify_one();
  } else {
    work_cv_.notify_one();
  }
}

bool Runtime::run_queued_here(uint64_t id) {
  Job job;
  {
    std::lock_guard lock(queue_mutex_);
    auto it = std::find_if(queue_.begin(), queue_.end(), [&](const Job& j) { return j.id == id; });
    if (it == queue_.end()) return false;
    job = std::move(*it);
    queue_.erase(it);
    ++running_;
  }
  run_job(job);  // on this thread's executor slot, which it already holds
  std::lock_guard lock(queue_mutex_);
  --running_;
  return true;
}

void Runtime::acquire_slot() {
  std::unique_lock lock(queue_mutex_);
  ++slot_waiters_;
  slot_cv_.wait(lock, [&] { return free_slots_ > 0; });
  --slot_waiters_;
  --free_slots_;
  // Slots this waiter was holding back from queued work are free for it again.
  bool work_can_run = !queue_.empty() && free_slots_ > slot_waiters_;
  lock.unlock();
  if (work_can_run) work_cv_.notify_one();
}

void Runtime::executor_loop() {
  for (;;) {
    Job job;
    {
      std::unique_lock lock(queue_mutex_);
      ++idle_threads_;
      // Threads returning from an await take freed slots before new work does, so a busy
      // queue cannot starve the calls that are waiting to finish.
      work_cv_.wait(lock, [&] {
        return (stopping_ && queue_.empty()) || (!queue_.empty() && free_slots_ > slot_waiters_);
      });
      --idle_threads_;
      if (queue_.empty()) {
        // Stopping, and everything queued has run. Threads that went back to sleep while
        // there was still work but no free slot would never see that: wake them to leave too.
        work_cv_.notify_all();
        return;
      }
      job = std::move(queue_.front());
      queue_.pop_front();
      --free_slots_;
      ++running_;
    }
    run_job(job);
    bool wake_waiter = false;
    {
      std::lock_guard lock(queue_mutex_);
      ++free_slots_;
      --running_;
      wake_waiter = slot_waiters_ > 0;
    }
    // This thread goes straight on to the next job itself; only a waiting caller needs waking.
    if (wake_waiter) slot_cv_.notify_one();
  }
}

std::shared_ptr<Runtime::FunctionEntry> Runtime::entry_for(const FunctionId& id) {
  {
    std::lock_guard lock(functions_mutex_);
    if (auto it = entries_.find(id); it != entries_.end()) return it->second;
  }
  auto info = store_.get(id);
  if (!info) throw UnknownFunction(id);
  // Loading reads the module and dlopens its cached build: outside the lock.
  auto entry = make_entry(*info);
  std::lock_guard lock(functions_mutex_);
  auto [it, inserted] = entries_.emplace(id, entry);
  return it->second;
}

std::shared_ptr<Runtime::FunctionEntry> Runtime::make_entry(const FunctionInfo& info) {
  auto entry = std::make_shared<FunctionEntry>();
  entry->info = info;
  if (info.kind == FunctionKind::Python) {
    entry->package_dir = store_.package_dir(info);
    entry->module = python_.module(host_load_options());
  } else {
    entry->module = store_.load(info.id);
  }
  return entry;
}

std::shared_ptr<faaslet::FaasletPool> Runtime::make_pool(const FunctionEntry& entry) {
  const FunctionId& id = entry.info.id;
  faaslet::FunctionConfig fc;
  fc.host.args = {id.name};
  fc.host.fs.shared_root = store_.shared_dir();
  fc.host.identity = {id.user, id.name};
  fc.limits = config_.limits;
  fc.scratch_parent = config_.data_dir / "scratch";
  fc.state_tier = state_tier_.get();
  fc.user = id.user;
  if (entry.info.kind == FunctionKind::Python) python_.configure(fc, entry.info, entry.package_dir);
  auto proto = std::make_shared<faaslet::ProtoFaaslet>(entry.module, std::move(fc));
  metrics_.record_snapshot();
  return std::make_shared<faaslet::FaasletPool>(
      std::move(proto), config_.max_idle_faaslets,
      faaslet::TenantPlacement{cgroups_.get(), id.user, 100});
}

// The entry a call runs: Python functions run every call through the interpreter's call export.
faaslet::Entry Runtime::resolve_entry(const FunctionEntry& entry, const faaslet::Entry& asked) {
  bool python = entry.info.kind == FunctionKind::Python;
  switch (asked.kind) {
    case faaslet::Entry::Kind::Main:
      return python ? faaslet::Entry::python() : asked;
    case faaslet::Entry::Kind::Python:
      if (!python) throw Error(entry.info.id.str() + " is not a Python function");
      return asked;
    case faaslet::Entry::Kind::Export:
    case faaslet::Entry::Kind::TableIndex:
      if (python) throw Error(entry.info.id.str() + " is a Python function: chain it by name");
      return asked;
  }
  return asked;
}

void Runtime::run_job(Job& job) {
  auto started = Clock::now();
  {
    std::lock_guard lock(results_mutex_);
    if (auto it = results_.find(job.id); it != results_.end())
      it->second.status = CallStatus::Running;
  }
  CallRecord record;
  record.id = job.id;
  record.function = job.invocation.function;
  record.queue_time = started - job.queued_at;
  try {
    if (!store_.get(job.invocation.function)) throw UnknownFunction(job.invocation.function);
    auto entry = entry_for(job.invocation.function);
    faaslet::Entry call_entry = resolve_entry(*entry, job.invocation.entry);
    std::shared_ptr<faaslet::FaasletPool> pool;
    {
      std::lock_guard lock(entry->mutex);
      if (!entry->pool) entry->pool = make_pool(*entry);
      pool = entry->pool;
    }
    CallChain chain(*this, job.invocation.function, job.invocation.chain_depth);
    faaslet::CallResult r = pool->call(std::move(job.invocation.input), call_entry, &chain, job.id);
    {
      std::lock_guard lock(entry->mutex);
      size_t created = pool->created();
      for (; entry->counted_creations < created; ++entry->counted_creations) {
        metrics_.record_restore();
      }
    }
    if (!r.trap) metrics_.record_restore();  // the reset after the call is a restore too
    record.return_code = r.return_code;
    record.output = std::move(r.output);
    record.stdout_text = std::move(r.stdout_text);
    record.stderr_text = std::move(r.stderr_text);
    record.status = r.ok() ? CallStatus::Succeeded : CallStatus::Failed;
    if (r.trap) {
      record.error_kind = std::string(engine::trap_kind_id(r.trap->kind));
      record.error_message = r.trap->describe();
    } else if (!r.error.empty()) {
      record.error_kind = "exception";
      record.error_message = std::move(r.error);
    }
  } catch (const UnknownFunction& e) {
    // Deleted after the call was accepted and before it ran.
    record.status = CallStatus::Failed;
    record.return_code = 1;
    record.error_kind = "unknown_function";
    record.error_message = e.what();
  } catch (const faaslet::GuestInitError& e) {
    record.status = CallStatus::Failed;
    record.return_code = 1;
    record.error_kind = "exception";
    record.error_message = std::string("initialisation failed: ") + e.what();
  } catch (const engine::TrapError& e) {
    record.status = CallStatus::Failed;
    record.return_code = 1;
    record.error_kind = std::string(engine::trap_kind_id(e.trap().kind));
    record.error_message = std::string("initialisation failed: ") + e.what();
  } catch (const std::exception& e) {
    record.status = CallStatus::Failed;
    record.return_code = 1;
    record.error_kind = "error";
    record.error_message = e.what();
  }
  record.run_time = Clock::now() - started;
  std::string outcome = record.status == CallStatus::Succeeded ? "success"
                        : record.error_kind.empty()            ? "failure"
                                                               : record.error_kind;
  metrics_.record_call(record.function.str(), outcome,
                       std::chrono::duration<double>(record.queue_time + record.run_time).count());
  Completion done = std::move(job.done);
  CallRecord copy = done ? record : CallRecord{};
  finish(job.id, std::move(record));
  if (done) done(copy);
}

void Runtime::finish(uint64_t id, CallRecord record) {
  std::lock_guard lock(results_mutex_);
  auto it = results_.find(id);
  if (it == results_.end()) return;
  record.submitted_at = it->second.submitted_at;
  if (record.output.size() > config_.max_kept_output) {
    std::string note = fmt::format(
        "the output of {} bytes is larger than the {} bytes kept for status queries; only the "
        "caller that awaited the call received it",
        record.output.size(), config_.max_kept_output);
    // A failed call keeps its own reason first.
    if (record.error_kind.empty()) {
      record.error_kind = "output_dropped";
      record.error_message = std::move(note);
    } else {
      record.error_message += "; " + note;
    }
    std::string().swap(record.output);  // give the memory back, not just the length
  }
  results_bytes_ -= it->second.bytes();
  results_bytes_ += record.bytes();
  it->second = std::move(record);
  prune_results_locked();
}

void Runtime::prune_results_locked() {
  auto cutoff = std::chrono::system_clock::now() - config_.result_ttl;
  auto finished = [](const CallRecord& r) {
    return r.status == CallStatus::Succeeded || r.status == CallStatus::Failed;
  };
  // Oldest first: drop finished calls past the age limit, then past the count or byte limit.
  for (auto it = results_.begin(); it != results_.end();) {
    bool too_many = results_.size() > config_.max_results;
    bool too_big = results_bytes_ > config_.max_result_bytes;
    bool too_old = it->second.submitted_at < cutoff;
    if (!too_many && !too_big && !too_old) break;
    if (finished(it->second)) {
      results_bytes_ -= it->second.bytes();
      it = results_.erase(it);
    } else {
      it = std::next(it);
    }
  }
}

}  // namespace wasmlet::runtime
