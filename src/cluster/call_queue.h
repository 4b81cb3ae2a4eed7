#pragma once
// The cluster's durable queue of async calls: a Redis stream read by one consumer group, a
// consumer per host. Any host accepts a call (XADD); a host takes calls only when it has free
// executors (XREADGROUP), so the queue spreads them by capacity; a call is acknowledged only
// once its result is stored. Calls a dead host took and did not finish are claimed by a live
// one and run again: at least once (docs/cluster.md). Each call's status and result live in
// Redis too, readable from any host.
#include <chrono>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "faaslet/call.h"
#include "runtime/call_record.h"
#include "runtime/function_id.h"
#include "runtime/run_queue.h"
#include "state/redis_client.h"

namespace wasmlet::cluster {

// Cluster-wide call ids start here, above any host's own (so one number names one call).
inline constexpr uint64_t kClusterCallIdBase = uint64_t{1} << 48;
inline bool is_cluster_call(uint64_t id) { return id >= kClusterCallIdBase; }

// The queue holds as many calls as it may: the client's 503, as for a host's own queue.
class ClusterQueueFull : public runtime::QueueFull {
 public:
  using QueueFull::QueueFull;
};

struct QueuedEntry {
  std::string entry_id;  // the stream's
  uint64_t call_id = 0;
  runtime::FunctionId function;
  std::string input;
  faaslet::EntryPoint entry;  // a chained call's may be a table index or a Python function
  uint32_t depth = 0;         // a chained call's depth in its tree; 0: a call from outside
  std::string notify;         // the host that awaits its result (a spilled chained call), or ""
  std::string tenant;         // whose call it is (runtime::Invocation::tenant); "": the owner's

  const std::string& owner() const { return tenant.empty() ? function.user : tenant; }
};

// Calls the queue holds that have not finished: in all, and of one tenant.
struct QueueCapacity {
  size_t total = 100000;
  size_t per_tenant = 10000;
};

class CallQueue {
 public:
  CallQueue(state::RedisClient& redis, std::string host_id, QueueCapacity capacity,
            std::chrono::seconds retention);

  // Creates the stream and the group when missing (idempotent; also after Redis lost them).
  void ensure_group();
  // Throws ClusterQueueFull (the queue, or the call's tenant, holds its limit),
  // state::StateUnavailable. `tenant`: whose call it is ("": the function owner's). `notify`: a
  // host that awaits the result, told when it is stored (see awaited_finished).
  uint64_t enqueue(const runtime::FunctionId& function, std::string_view tenant,
                   std::string_view input,
                   const faaslet::EntryPoint& entry = faaslet::EntryPoint::main(),
                   uint32_t depth = 0, std::string_view notify = {});
  // The same in two steps, for a caller that must know the id before the call can finish.
  uint64_t new_call_id();
  void enqueue_as(uint64_t id, const runtime::FunctionId& function, std::string_view tenant,
                  std::string_view input, const faaslet::EntryPoint& entry, uint32_t depth,
                  std::string_view notify);
  // Up to `max` calls no host has taken yet, waiting up to `block` for one.
  std::vector<QueuedEntry> take(size_t max, std::chrono::milliseconds block);
  // Up to `max` calls this host took in an earlier life (under the same id) and never finished.
  std::vector<QueuedEntry> take_own_pending(size_t max);
  // Up to `max` calls taken by hosts that are not in `live` and left alone for `min_idle`, now
  // this host's. A claim resets that time, so two hosts claiming at once cannot both get one.
  // Consumers that left nothing pending are forgotten (hosts come and go under new names).
  std::vector<QueuedEntry> claim_orphans(const std::set<std::string>& live, size_t max,
                                         std::chrono::milliseconds min_idle);
  // Marks the call running here. Returns the reason its caller asked for it to stop (see
  // cancel), or "" to run it.
  std::string started(const QueuedEntry& entry);
  // Stores the result (kept for the retention time) and acknowledges the call.
  void finish(const QueuedEntry& entry, const runtime::CallRecord& record);
  // Which of `ids` have finished (succeeded or failed), in one round trip.
  std::vector<uint64_t> finished(const std::vector<uint64_t>& ids);
  // Ids of the calls enqueued with this host as `notify` that finished since the last time,
  // waiting up to `block` (under the client's command timeout) for one.
  std::vector<uint64_t> awaited_finished(std::chrono::milliseconds block);
  // nullopt: no such call (or its result expired).
  std::optional<runtime::CallRecord> record(uint64_t call_id);
  // Asks whichever host runs a call to stop it (a spilled chained call whose caller stopped
  // waiting): its record keeps the reason until it expires, and a host that has not started it
  // yet never does.
  void cancel(uint64_t call_id, std::string_view reason);
  // Those of `ids` asked to stop, with the reason, in one round trip.
  std::vector<std::pair<uint64_t, std::string>> cancelled(const std::vector<uint64_t>& ids);

 private:
  // One field of each call's record ("" where it has none), in one round trip.
  std::vector<std::string> field_of_each(const std::vector<uint64_t>& ids, std::string_view field);
  std::vector<QueuedEntry> entries_of(state::RedisClient::Lease& lease, const redisReply& list);

  state::RedisClient& redis_;
  std::string host_id_;
  QueueCapacity capacity_;
  std::chrono::seconds retention_;
};

}  // namespace wasmlet::cluster
