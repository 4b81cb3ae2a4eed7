#include "cluster/cluster_node.h"

#include <fmt/chrono.h>
#include <spdlog/spdlog.h>

#include "cluster/placement.h"
#include "state/global_state.h"

namespace wasmlet::cluster {
namespace {

std::string now_rfc3339() {
  return fmt::format("{:%Y-%m-%dT%H:%M:%SZ}", fmt::gmtime(std::time(nullptr)));
}

}  // namespace

ClusterNode::ClusterNode(ClusterConfig config, runtime::Runtime& runtime,
                         workflow::WorkflowRegistry* workflows)
    : config_(std::move(config)),
      runtime_(runtime),
      started_at_(now_rfc3339()),
      redis_(config_.redis_url),
      membership_(redis_),
      code_registry_(redis_, "code"),
      functions_(runtime_),
      function_replicator_(functions_, code_registry_, "function"),
      workflows_(workflows),
      workflow_registry_(redis_, "workflows"),
      rng_(std::random_device{}()),
      queue_(redis_, config_.host_id, {config_.queue_capacity, config_.queue_tenant_capacity},
             config_.result_retention) {
  if (config_.host_id.empty()) throw Error("a cluster host needs an id (--host-id)");
  if (config_.advertise.empty()) {
    throw Error("a cluster host needs the address its peers reach it at (--advertise HOST:PORT)");
  }
  redis_.ping();
  queue_.ensure_group();
  functions_.attach(&function_replicator_);
  runtime_.set_function_observer(&functions_);
  if (workflows_ != nullptr) {
    workflow_catalog_.emplace(*workflows_);
    workflow_replicator_.emplace(*workflow_catalog_, workflow_registry_, "workflow");
    workflow_catalog_->attach(&*workflow_replicator_);
    workflows_->set_observer(&*workflow_catalog_);
  }
  membership_.announce(self(), config_.host_ttl);
  connected_ = true;
  {
    util::MutexLock lock(hosts_mutex_);
    hosts_ = membership_.hosts();
  }
  beat_thread_ = std::thread([this] { beat_loop(); });
  sync_thread_ = std::thread([this] { sync_loop(); });
  queue_thread_ = std::thread([this] { queue_loop(); });
  spill_thread_ = std::thread([this] { spill_loop(); });
  runtime_.set_spillover(this);
}

ClusterNode::~ClusterNode() {
  runtime_.set_spillover(nullptr);
  {
    // A call that took the pointer before it was cleared may be in spill() still.
    util::UniqueLock lock(spill_mutex_);
    while (spill_callers_ > 0) spill_added_.wait(lock);
  }
  {
    util::MutexLock lock(wake_mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  {
    util::MutexLock lock(spill_mutex_);  // the spill thread checks stopping_ under this too
  }
  spill_added_.notify_all();
  spill_thread_.join();
  beat_thread_.join();
  sync_thread_.join();
  queue_thread_.join();
  {
    // Their completions use this object. (A caller that shuts the runtime down first has
    // nothing left to wait for here.)
    util::UniqueLock lock(in_flight_mutex_);
    while (in_flight_ > 0) in_flight_done_.wait(lock);
  }
  runtime_.set_function_observer(nullptr);
  if (workflows_ != nullptr) workflows_->set_observer(nullptr);
  // Last: until its calls are done this host stays a member, so nobody runs them again.
  try {
    membership_.leave(config_.host_id);
  } catch (const std::exception& e) {
    spdlog::warn(
        "cluster: leaving without Redis ({}): peers drop this host when its record "
        "expires",
        e.what());
  }
}

std::vector<HostInfo> ClusterNode::hosts() const {
  util::MutexLock lock(hosts_mutex_);
  return hosts_;
}

std::optional<HostInfo> ClusterNode::peer_for(std::string_view function) {
  util::MutexLock lock(hosts_mutex_);
  auto chosen = choose_peer(hosts_, config_.host_id, function, rng_);
  if (!chosen) return std::nullopt;
  HostInfo& peer = hosts_[*chosen];
  ++peer.running;
  return peer;
}

uint64_t ClusterNode::enqueue(const runtime::FunctionId& function, std::string_view tenant,
                              std::string_view input) {
  return queue_.enqueue(function, tenant, input);
}

std::optional<runtime::CallRecord> ClusterNode::call_record(uint64_t id) {
  return queue_.record(id);
}

void ClusterNode::queue_loop() {
  bool own_checked = false, failing = false;
  auto last_orphan_check = std::chrono::steady_clock::time_point{};
  auto last_cancel_check = std::chrono::steady_clock::time_point{};
  while (pause(std::chrono::milliseconds(0))) {
    try {
      // Also while every executor is taken: those spilled calls may be what takes them.
      if (std::chrono::steady_clock::now() - last_cancel_check >= kCancelCheck) {
        last_cancel_check = std::chrono::steady_clock::now();
        stop_cancelled();
      }
      size_t free = draining_ ? 0 : runtime_.free_executors();
      if (free == 0) {
        pause(std::chrono::milliseconds(5));
        continue;
      }
      std::vector<QueuedEntry> entries;
      if (!own_checked) {
        // Calls this host took before it restarted: nobody else will run them.
        queue_.ensure_group();
        entries = queue_.take_own_pending(free);
        own_checked = entries.size() < free;  // a full batch may have more behind it
      }
      auto now = std::chrono::steady_clock::now();
      if (entries.empty() && now - last_orphan_check >= config_.orphan_check) {
        last_orphan_check = now;
        std::set<std::string> live;
        for (const auto& host : hosts()) live.insert(host.id);
        live.insert(config_.host_id);
        entries = queue_.claim_orphans(live, free, config_.host_ttl);
        if (!entries.empty()) {
          spdlog::warn("cluster: running {} calls that a host which left had taken",
                       entries.size());
        }
      }
      if (entries.empty()) {
        // Not so long that a spilled call running here misses its check for cancellation.
        bool awaited_here = false;
        {
          util::MutexLock lock(awaited_mutex_);
          awaited_here = !awaited_here_.empty();
        }
        entries = queue_.take(free, awaited_here ? kCancelCheck : std::chrono::milliseconds(200));
      }
      // Taken while the drain began: left pending, for a peer to claim once this host is gone.
      if (draining_) continue;
      for (auto& entry : entries) run_queued(std::move(entry));
      failing = false;
    } catch (const std::exception& e) {
      if (!failing) spdlog::error("cluster: the call queue failed: {}", e.what());
      failing = true;
      own_checked = false;  // the group may be gone with Redis's data: made again then
      pause(std::chrono::milliseconds(500));
    }
  }
}

void ClusterNode::run_queued(QueuedEntry entry) {
  // A spilled chained call's caller may have stopped waiting for it already.
  const std::string cancelled = queue_.started(entry);
  const bool awaited = !entry.notify.empty();
  // Uploaded on another host a moment ago: its code may not be here yet.
  if (cancelled.empty() && !runtime_.function(entry.function)) sync_now();
  {
    util::MutexLock lock(in_flight_mutex_);
    ++in_flight_;
  }
  if (awaited) {
    util::MutexLock lock(awaited_mutex_);
    awaited_here_[entry.call_id] = 0;
  }
  auto finish = [this, entry, awaited](const runtime::CallRecord& record) {
    if (awaited) {
      util::MutexLock lock(awaited_mutex_);
      awaited_here_.erase(entry.call_id);
    }
    try {
      queue_.finish(entry, record);
    } catch (const std::exception& e) {
      // Not acknowledged: it runs again once this host is gone or restarts.
      spdlog::error("cluster: call {} ran but its result could not be stored: {}", entry.call_id,
                    e.what());
    }
    util::MutexLock lock(in_flight_mutex_);
    if (--in_flight_ == 0) in_flight_done_.notify_all();
  };
  if (!cancelled.empty()) {
    runtime::CallRecord dropped;
    dropped.id = entry.call_id;
    dropped.function = entry.function;
    dropped.tenant = entry.tenant;
    dropped.status = runtime::CallStatus::Failed;
    dropped.error_kind = "cancelled";
    dropped.error_message = "cancelled before it started: " + cancelled;
    finish(dropped);
    return;
  }
  runtime::Invocation invocation{entry.function, std::move(entry.input), entry.entry};
  invocation.tenant = entry.tenant;
  if (entry.depth > 0) {
    // A chained call from another host: what is left of its tree's depth, and no spilling on,
    // so that one tree cannot spread over the cluster without bound.
    runtime::CallBudget budget = runtime_.config().call_budget;
    budget.max_depth = budget.max_depth > entry.depth ? budget.max_depth - entry.depth : 0;
    budget.may_spill = false;
    invocation.budget = budget;
  }
  try {
    uint64_t id = runtime_.submit(std::move(invocation), finish);
    if (awaited) {
      util::MutexLock lock(awaited_mutex_);
      if (auto it = awaited_here_.find(entry.call_id); it != awaited_here_.end()) it->second = id;
    }
  } catch (const runtime::ShuttingDown&) {
    // Not run and not acknowledged: a peer claims it once this host has left.
    {
      util::MutexLock lock(awaited_mutex_);
      awaited_here_.erase(entry.call_id);
    }
    util::MutexLock lock(in_flight_mutex_);
    if (--in_flight_ == 0) in_flight_done_.notify_all();
  } catch (const std::exception& e) {
    runtime::CallRecord failed;
    failed.id = entry.call_id;
    failed.function = entry.function;
    failed.status = runtime::CallStatus::Failed;
    failed.error_kind =
        dynamic_cast<const runtime::UnknownFunction*>(&e) != nullptr ? "unknown_function" : "error";
    failed.error_message = e.what();
    finish(failed);
  }
}

void ClusterNode::stop_cancelled() {
  std::vector<uint64_t> ids;
  {
    util::MutexLock lock(awaited_mutex_);
    for (const auto& [call, local] : awaited_here_) {
      if (local != 0) ids.push_back(call);
    }
  }
  if (ids.empty()) return;
  for (auto& [call, reason] : queue_.cancelled(ids)) {
    uint64_t local = 0;
    {
      util::MutexLock lock(awaited_mutex_);
      auto it = awaited_here_.find(call);
      if (it == awaited_here_.end()) continue;  // finished meanwhile
      local = it->second;
    }
    runtime_.cancel(local, reason);
  }
}

bool ClusterNode::spill(runtime::Invocation& invocation, runtime::Completion& done) {
  {
    util::MutexLock lock(spill_mutex_);
    if (spilled_.size() >= kMaxSpilled) return false;
    ++spill_callers_;
  }
  struct Caller {
    ClusterNode& node;
    ~Caller() {
      {
        util::MutexLock lock(node.spill_mutex_);
        --node.spill_callers_;
      }
      node.spill_added_.notify_all();
    }
  } caller{*this};
  if (!peer_for(invocation.function.str())) return false;
  auto refused = [&](const std::exception& e) {
    spdlog::warn("cluster: running a chained call of {} here: the queue refused it: {}",
                 invocation.function.str(), e.what());
    return false;
  };
  uint64_t id = 0;
  try {
    id = queue_.new_call_id();
  } catch (const std::exception& e) {
    return refused(e);
  }
  // Awaited before it is queued, so that a notice of a call finished at once finds it. Its
  // result is awaited no longer than a call may run anywhere, and a margin for the trip.
  auto limit = runtime_.config().limits.timeout + std::chrono::seconds(30);
  {
    util::MutexLock lock(spill_mutex_);
    spilled_.emplace(
        id, Spilled{std::move(done), std::chrono::steady_clock::now() + limit, invocation.node});
  }
  try {
    queue_.enqueue_as(id, invocation.function, invocation.tenant, invocation.input,
                      invocation.entry, invocation.node->depth(), config_.host_id);
  } catch (const std::exception& e) {
    util::MutexLock lock(spill_mutex_);
    auto awaited = spilled_.extract(id);
    if (awaited.empty()) return true;         // answered already: this host is leaving
    done = std::move(awaited.mapped().done);  // the runtime runs it here after all
    return refused(e);
  }
  spill_added_.notify_all();  // the spill thread, not only a leaving destructor
  return true;
}

void ClusterNode::spill_loop() {
  // The finishing host tells this one (awaited_finished); every so often all awaited calls are
  // also looked up, for a notice lost with a Redis that restarted empty.
  constexpr auto kNoticeWait = std::chrono::milliseconds(50);
  constexpr auto kLookUpAll = std::chrono::seconds(1);
  auto next_look_up = std::chrono::steady_clock::now() + kLookUpAll;
  for (;;) {
    std::vector<uint64_t> ids;
    {
      util::UniqueLock lock(spill_mutex_);
      for (;;) {
        bool stopping = false;
        {
          util::MutexLock wake_lock(wake_mutex_);
          stopping = stopping_;
        }
        if (stopping || !spilled_.empty()) break;
        spill_added_.wait(lock);
      }
      for (const auto& entry : spilled_) ids.push_back(entry.first);
    }
    bool stopping = !pause(std::chrono::milliseconds(0));
    std::vector<std::pair<runtime::Completion, runtime::CallRecord>> ready;
    bool failing = false;
    try {
      std::vector<uint64_t> done_ids;
      if (std::chrono::steady_clock::now() >= next_look_up) {
        done_ids = queue_.finished(ids);
        next_look_up = std::chrono::steady_clock::now() + kLookUpAll;
      } else {
        done_ids = queue_.awaited_finished(kNoticeWait);
      }
      for (uint64_t id : done_ids) {
        auto record = queue_.record(id);
        if (!record) continue;
        util::MutexLock lock(spill_mutex_);
        auto it = spilled_.find(id);
        if (it == spilled_.end()) continue;
        ready.emplace_back(std::move(it->second.done), std::move(*record));
        spilled_.erase(it);
      }
    } catch (const std::exception& e) {
      spdlog::warn("cluster: cannot read chained calls' results: {}", e.what());
      failing = true;
    }
    // Cancelled with their trees, given up on (or, when leaving, all): their callers get a
    // failure that says why, and their hosts are asked to stop them.
    std::vector<std::pair<uint64_t, std::string>> to_stop;
    {
      util::MutexLock lock(spill_mutex_);
      auto now = std::chrono::steady_clock::now();
      for (auto it = spilled_.begin(); it != spilled_.end();) {
        const bool cancelled = it->second.node != nullptr && it->second.node->cancelled();
        if (!cancelled && !stopping && now < it->second.given_up_at) {
          ++it;
          continue;
        }
        runtime::CallRecord failed;
        failed.status = runtime::CallStatus::Failed;
        if (cancelled) {
          failed.error_kind = "cancelled";
          failed.error_message = it->second.node->cancel_reason();
        } else {
          failed.error_kind = "error";
          failed.error_message = fmt::format(
              "cluster call {} {}", it->first,
              stopping ? "was still running on a peer when this host left"
                       : "gave no result within its time limit (its host may have died)");
        }
        to_stop.emplace_back(it->first, failed.error_message);
        ready.emplace_back(std::move(it->second.done), std::move(failed));
        it = spilled_.erase(it);
      }
    }
    for (auto& [done, record] : ready) done(std::move(record));
    for (const auto& [id, reason] : to_stop) {
      try {
        queue_.cancel(id, reason);
      } catch (const std::exception& e) {
        spdlog::warn("cluster: cannot ask the host of call {} to stop it: {}", id, e.what());
      }
    }
    if (stopping) return;
    if (failing) pause(kNoticeWait);  // Redis is away: do not spin
  }
}

bool ClusterNode::begin_forward() {
  size_t n = forwarding_.load();
  do {
    if (n >= kMaxForwarding) return false;
  } while (!forwarding_.compare_exchange_weak(n, n + 1));
  return true;
}

SyncReport ClusterNode::sync_now() {
  util::MutexLock lock(sync_mutex_);
  // Functions first: a workflow is stored only when the functions its Tasks call exist.
  SyncReport r = function_replicator_.sync();
  if (workflow_replicator_) {
    SyncReport w = workflow_replicator_->sync();
    r.installed += w.installed;
    r.removed += w.removed;
    r.published += w.published;
    r.failed += w.failed;
  }
  return r;
}

HostInfo ClusterNode::self() const {
  HostInfo host;
  host.id = config_.host_id;
  host.address = config_.advertise;
  host.started_at = started_at_;
  // A draining host takes no new calls: peers see no free executor on it.
  host.executors = draining_ ? 0 : runtime_.config().executor_threads;
  runtime::MetricsSnapshot m = runtime_.metrics();
  host.running = m.running;
  host.queued = m.queue_depth;
  for (const auto& f : runtime_.function_stats([](const runtime::FunctionId&) { return true; })) {
    if (f.warm) host.warm.push_back(f.id.str());
  }
  return host;
}

bool ClusterNode::pause(std::chrono::milliseconds period) {
  auto until = std::chrono::steady_clock::now() + period;
  util::UniqueLock lock(wake_mutex_);
  while (!stopping_ && std::chrono::steady_clock::now() < until) {
    wake_.wait_for(lock, until - std::chrono::steady_clock::now());
  }
  return !stopping_;
}

void ClusterNode::drain() { draining_ = true; }

void ClusterNode::beat_loop() {
  while (pause(config_.heartbeat)) {
    try {
      membership_.announce(self(), config_.host_ttl);
      auto hosts = membership_.hosts();
      util::MutexLock lock(hosts_mutex_);
      hosts_ = std::move(hosts);
      if (!connected_.exchange(true))
        spdlog::info("cluster: Redis at {} is back", redis_.address());
    } catch (const state::StateUnavailable& e) {
      if (connected_.exchange(false)) spdlog::error("cluster: heartbeat failed: {}", e.what());
    }
  }
}

void ClusterNode::sync_loop() {
  int64_t seen_epoch = -1;
  auto last_full = std::chrono::steady_clock::now();
  bool failing = false;
  // The first pass runs at once: a host that joins catches up with what it missed.
  for (bool first = true; first || pause(config_.code_poll); first = false) {
    try {
      int64_t epoch = code_registry_.epoch() + workflow_registry_.epoch();
      auto now = std::chrono::steady_clock::now();
      if (epoch == seen_epoch && now - last_full < config_.full_sync) continue;
      SyncReport r = sync_now();
      seen_epoch = epoch;
      last_full = now;
      if (r.installed + r.removed + r.published + r.failed > 0) {
        spdlog::info("cluster: code sync: {} installed, {} removed, {} published, {} failed",
                     r.installed, r.removed, r.published, r.failed);
      }
      failing = false;
    } catch (const std::exception& e) {
      if (!failing) spdlog::error("cluster: code sync failed: {}", e.what());
      failing = true;
    }
  }
}

}  // namespace wasmlet::cluster
