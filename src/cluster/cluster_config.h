#pragma once
// How a host joins a cluster: the Redis that holds the cluster's shared truth, who this host
// is, and the timing of its heartbeats.
#include <chrono>
#include <string>

namespace wasmlet::cluster {

struct ClusterConfig {
  std::string redis_url;  // redis://HOST:PORT
  std::string host_id;    // unique in the cluster
  std::string advertise;  // HOST:PORT peers connect to
  // A host's record lives this long past its last heartbeat: a host that misses four beats is
  // gone (its calls are run elsewhere), one that is merely slow for a moment is not.
  std::chrono::milliseconds heartbeat{500};
  std::chrono::milliseconds host_ttl{2000};
  // How often a host looks for code its peers uploaded or deleted (one GET), and re-checks all
  // of it even when nothing announced a change (a Redis that lost its data is refilled).
  std::chrono::milliseconds code_poll{250};
  std::chrono::milliseconds full_sync{10000};
  // Async calls the cluster's queue holds before refusing more (in all, and of one tenant, so
  // that a tenant who fills it is the one refused), and how long a finished call's result
  // stays readable.
  size_t queue_capacity = 100000;
  size_t queue_tenant_capacity = 10000;
  std::chrono::seconds result_retention{3600};
  // How often a host looks for calls that dead hosts took and did not finish.
  std::chrono::milliseconds orphan_check{250};
};

}  // namespace wasmlet::cluster
