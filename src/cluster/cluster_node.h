#pragma once
// This host's membership of a cluster: it joins on construction (its record in Redis, renewed
// by a heartbeat), keeps its functions in line with its peers' (CodeSync, polled), and leaves
// on destruction. Redis going away is logged and retried; the host keeps serving what it holds.
#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "cluster/call_queue.h"
#include "cluster/cluster_config.h"
#include "cluster/code_registry.h"
#include "cluster/function_catalog.h"
#include "cluster/host_info.h"
#include "cluster/membership.h"
#include "cluster/replicator.h"
#include "cluster/workflow_catalog.h"
#include "runtime/runtime.h"
#include "state/redis_client.h"
#include "util/mutex.h"

namespace wasmlet::cluster {

class ClusterNode final : public runtime::Spillover {
 public:
  // Checks that Redis answers (throws state::StateUnavailable with its address if not), becomes
  // `runtime`'s (and `workflows`', when given) observer, announces this host and starts its
  // threads. Both must outlive it.
  ClusterNode(ClusterConfig config, runtime::Runtime& runtime,
              workflow::WorkflowRegistry* workflows = nullptr);
  ClusterNode(const ClusterNode&) = delete;
  ClusterNode& operator=(const ClusterNode&) = delete;
  ~ClusterNode() override;  // leaves the cluster: peers stop seeing this host at once

  const ClusterConfig& config() const { return config_; }
  // The hosts seen at the last heartbeat (this one included), by id.
  std::vector<HostInfo> hosts() const;
  // Before this host stops: it tells peers it has no free executor (they stop sending it
  // calls) and takes no more from the queue; calls it already has run to the end, and it leaves
  // the cluster when destroyed, once they have.
  void drain();

  // Redis answered the last heartbeat.
  bool connected() const { return connected_.load(); }
  // A peer to run a call of `function` ("user/name") that this host cannot start at once
  // (cluster/placement.h); nullopt when none can either. The call counts against the peer's
  // free executors until its next heartbeat, so a burst is spread rather than piled on one.
  std::optional<HostInfo> peer_for(std::string_view function);
  // A place for one more forwarded call in flight (each holds a connection while its peer runs
  // it); false when kMaxForwarding are. end_forward() gives it back.
  bool begin_forward();
  void end_forward() { forwarding_.fetch_sub(1); }
  static constexpr size_t kMaxForwarding = 64;

  // An async call through the cluster's durable queue: any host with a free executor runs it.
  // Returns its cluster-wide id. Throws ClusterQueueFull, state::StateUnavailable.
  uint64_t enqueue(const runtime::FunctionId& function, std::string_view tenant,
                   std::string_view input);
  // A queued call's status and result, from any host (nullopt: unknown or expired).
  std::optional<runtime::CallRecord> call_record(uint64_t id);

  // A chained call this host has no executor for goes through the cluster's queue when a peer
  // has a free one (bounded: kMaxSpilled at once); the host that runs it tells this one when
  // its result is stored (CallQueue::awaited_finished). It lives and dies with its caller's
  // tree: once that is cancelled (or this host stops awaiting it), the host running it is asked
  // to stop it (CallQueue::cancel), which it does within kCancelCheck.
  bool spill(runtime::Invocation& invocation, runtime::Completion& done) override;

  // Runs one sync of functions, then workflows, now (tests use it to see a change at once).
  SyncReport sync_now();

 private:
  HostInfo self() const;
  void beat_loop();
  void sync_loop();
  void queue_loop();
  void spill_loop();
  // Runs one call from the queue here; its result goes back to Redis when it ends.
  void run_queued(QueuedEntry entry);
  // Cancels the spilled calls running here whose callers asked for it.
  void stop_cancelled();
  // Sleeps up to `period`; false once the node is stopping.
  bool pause(std::chrono::milliseconds period);

  ClusterConfig config_;
  runtime::Runtime& runtime_;
  std::string started_at_;
  state::RedisClient redis_;
  Membership membership_;
  CodeRegistry code_registry_;
  FunctionCatalog functions_;
  Replicator function_replicator_;
  workflow::WorkflowRegistry* workflows_;
  CodeRegistry workflow_registry_;
  std::optional<WorkflowCatalog> workflow_catalog_;
  std::optional<Replicator> workflow_replicator_;
  util::Mutex sync_mutex_;  // one sync at a time: the poller's and sync_now()'s

  mutable util::Mutex hosts_mutex_;
  std::vector<HostInfo> hosts_ GUARDED_BY(hosts_mutex_);
  std::mt19937_64 rng_ GUARDED_BY(hosts_mutex_);
  std::atomic<size_t> forwarding_{0};
  CallQueue queue_;
  // Calls this host took from the queue and has not finished: it waits for them when leaving.
  util::Mutex in_flight_mutex_;
  util::CondVar in_flight_done_;
  size_t in_flight_ GUARDED_BY(in_flight_mutex_) = 0;
  // Spilled chained calls from other hosts running here: cluster id -> this runtime's id (0
  // until submitted). Their callers may ask for them to be stopped.
  static constexpr auto kCancelCheck = std::chrono::milliseconds(100);
  util::Mutex awaited_mutex_;
  std::map<uint64_t, uint64_t> awaited_here_ GUARDED_BY(awaited_mutex_);

  // Chained calls sent to the queue, by cluster id, waiting for their results.
  struct Spilled {
    runtime::Completion done;
    std::chrono::steady_clock::time_point given_up_at;
    std::shared_ptr<runtime::CallNode> node;  // the call's own, cancelled with its tree
  };
  static constexpr size_t kMaxSpilled = 256;
  util::Mutex spill_mutex_;
  util::CondVar spill_added_;
  std::map<uint64_t, Spilled> spilled_ GUARDED_BY(spill_mutex_);
  size_t spill_callers_ GUARDED_BY(spill_mutex_) = 0;  // inside spill() now
  std::atomic<bool> connected_{false};
  std::atomic<bool> draining_{false};

  util::Mutex wake_mutex_;
  util::CondVar wake_;
  bool stopping_ GUARDED_BY(wake_mutex_) = false;
  std::thread beat_thread_;
  std::thread sync_thread_;
  std::thread queue_thread_;
  std::thread spill_thread_;
};

}  // namespace wasmlet::cluster
