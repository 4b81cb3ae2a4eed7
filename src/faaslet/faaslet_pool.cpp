#include "faaslet/faaslet_pool.h"

#include "faaslet/cgroup.h"

namespace wasmlet::faaslet {

FaasletPool::FaasletPool(std::shared_ptr<const ProtoFaaslet> proto, size_t max_idle,
                         TenantPlacement placement)
    : proto_(std::move(proto)), max_idle_(max_idle), placement_(std::move(placement)) {}

std::unique_ptr<Faaslet> FaasletPool::acquire(bool& fresh) {
  {
    util::MutexLock lock(mutex_);
    if (!idle_.empty()) {
      auto f = std::move(idle_.back());
      idle_.pop_back();
      return f;
    }
    ++created_;
  }
  fresh = true;
  return std::make_unique<Faaslet>(proto_);  // outside the lock: a restore is not free
}

void FaasletPool::release(std::unique_ptr<Faaslet> faaslet) {
  if (!faaslet->reusable()) return;
  util::MutexLock lock(mutex_);
  if (idle_.size() < max_idle_) idle_.push_back(std::move(faaslet));
}

CallResult FaasletPool::call(std::string input, const EntryPoint& entry,
                             const CallOptions& options) {
  // The calling thread runs this tenant's code: it takes the tenant's CPU weight (a no-op when
  // it already has it, or when cgroups cannot be managed here).
  if (options.tenant_placement && placement_.cgroups != nullptr)
    placement_.cgroups->enter(placement_.tenant, placement_.cpu_weight);
  bool fresh = false;
  auto faaslet = acquire(fresh);
  CallResult result = faaslet->call(std::move(input), entry, options);
  result.fresh = fresh;
  release(std::move(faaslet));
  return result;
}

size_t FaasletPool::idle() const {
  util::MutexLock lock(mutex_);
  return idle_.size();
}

size_t FaasletPool::created() const {
  util::MutexLock lock(mutex_);
  return created_;
}

}  // namespace wasmlet::faaslet
