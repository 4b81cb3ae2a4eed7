#pragma once
// Hosts in Redis: each host's record expires unless its heartbeat renews it, so a host that
// dies leaves the cluster by itself within the record's time to live, on Redis's clock.
#include <chrono>
#include <string>
#include <vector>

#include "cluster/host_info.h"
#include "state/redis_client.h"

namespace wasmlet::cluster {

class Membership {
 public:
  explicit Membership(state::RedisClient& redis) : redis_(redis) {}

  // Writes (or renews) `host`'s record for `ttl`. Throws state::StateUnavailable.
  void announce(const HostInfo& host, std::chrono::milliseconds ttl);
  // The live hosts, by id. Records that expired are pruned from the set as they are found.
  std::vector<HostInfo> hosts();
  // Removes `host_id` from the set of hosts if its record has expired, and says whether it did:
  // a host that beat again in the meantime is kept.
  bool prune(const std::string& host_id);
  void leave(const std::string& host_id);

 private:
  static bool prune_with(state::RedisClient::Lease& lease, const std::string& host_id);

  state::RedisClient& redis_;
};

}  // namespace wasmlet::cluster
