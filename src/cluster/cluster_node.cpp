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

ClusterNode::ClusterNode(ClusterConfig config, runtime::Runtime& runtime)
    : config_(std::move(config)),
      runtime_(runtime),
      started_at_(now_rfc3339()),
      redis_(config_.redis_url),
      membership_(redis_),
      registry_(redis_),
      code_sync_(runtime_, registry_),
      rng_(std::random_device{}()),
      // A forwarded call may take as long as a call here, and then some for the trip.
      peers_(
          std::chrono::duration_cast<std::chrono::milliseconds>(runtime.config().limits.timeout) +
          std::chrono::seconds(10)) {
  if (config_.host_id.empty()) throw Error("a cluster host needs an id (--host-id)");
  if (config_.advertise.empty()) {
    throw Error("a cluster host needs the address its peers reach it at (--advertise HOST:PORT)");
  }
  redis_.ping();
  runtime_.set_function_observer(&code_sync_);
  membership_.announce(self(), config_.host_ttl);
  connected_ = true;
  {
    util::MutexLock lock(hosts_mutex_);
    hosts_ = membership_.hosts();
  }
  beat_thread_ = std::thread([this] { beat_loop(); });
  sync_thread_ = std::thread([this] { sync_loop(); });
}

ClusterNode::~ClusterNode() {
  {
    util::MutexLock lock(wake_mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  beat_thread_.join();
  sync_thread_.join();
  runtime_.set_function_observer(nullptr);
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

SyncReport ClusterNode::sync_now() {
  util::MutexLock lock(sync_mutex_);
  return code_sync_.sync();
}

HostInfo ClusterNode::self() const {
  HostInfo host;
  host.id = config_.host_id;
  host.address = config_.advertise;
  host.started_at = started_at_;
  host.executors = runtime_.config().executor_threads;
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
      int64_t epoch = registry_.epoch();
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
