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
  void leave(const std::string& host_id);

 private:
  state::RedisClient& redis_;
};

}  // namespace wasmlet::cluster
