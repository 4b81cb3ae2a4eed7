#pragma once
// The ready Faaslets of one function: calls take an idle one (or make one) and give it back
// afterwards, so restores are reused across calls and threads. A call takes the one returned
// last, or one of the few returned before it that last ran on the calling thread. At most
// `max_idle` wait idle; the rest are destroyed when returned.
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "faaslet/faaslet.h"
#include "util/mutex.h"

namespace wasmlet::faaslet {

class CgroupManager;

// Whose CPU share a pool's calls run under (see cgroup.h).
struct TenantPlacement {
  CgroupManager* cgroups = nullptr;  // null: no placement
  std::string tenant;
  uint32_t cpu_weight = 100;
};

class FaasletPool {
 public:
  FaasletPool(std::shared_ptr<const ProtoFaaslet> proto, size_t max_idle,
              TenantPlacement placement = {});
  FaasletPool(const FaasletPool&) = delete;
  FaasletPool& operator=(const FaasletPool&) = delete;

  CallResult call(std::string input, const EntryPoint& entry = EntryPoint::main(),
                  const CallOptions& options = {});

  size_t idle() const;
  // The threads the idle Faaslets last ran on (util::this_thread_serial), in the order they
  // were returned.
  std::vector<uint64_t> idle_threads() const;
  size_t created() const;
  const std::shared_ptr<const ProtoFaaslet>& proto() const { return proto_; }

 private:
  // An idle Faaslet, or a new one (`fresh` set) restored from the snapshot.
  std::unique_ptr<Faaslet> acquire(bool& fresh);
  void release(std::unique_ptr<Faaslet> faaslet);

  std::shared_ptr<const ProtoFaaslet> proto_;
  size_t max_idle_;
  TenantPlacement placement_;
  mutable util::Mutex mutex_;
  std::vector<std::unique_ptr<Faaslet>> idle_ GUARDED_BY(mutex_);
  size_t created_ GUARDED_BY(mutex_) = 0;
};

}  // namespace wasmlet::faaslet
