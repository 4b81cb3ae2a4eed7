#include "faaslet/faaslet_pool.h"

#include "faaslet/cgroup.h"
#include "util/thread_serial.h"

namespace wasmlet::faaslet {
namespace {

// Idle Faaslets looked at for one that last ran on the calling thread.
constexpr std::ptrdiff_t kAffinityLookback = 4;

}  // namespace

FaasletPool::FaasletPool(std::shared_ptr<const ProtoFaaslet> proto, size_t max_idle,
                         TenantPlacement placement)
    : proto_(std::move(proto)), max_idle_(max_idle), placement_(std::move(placement)) {}

std::unique_ptr<Faaslet> FaasletPool::acquire(bool& fresh) {
  {
    util::MutexLock lock(mutex_);
    if (!idle_.empty()) {
      // The one returned last, unless one of the few returned before it last ran on this
      // thread: resetting it after this call may skip the kernel's scan of its memory
      // (engine::MemoryImage::KeptPages), and its pages may still be in this CPU's caches.
      auto pick = std::prev(idle_.end());
      uint64_t self = util::this_thread_serial();
      for (auto it = idle_.end(); it != idle_.begin() && idle_.end() - it < kAffinityLookback;) {
        if ((*--it)->last_thread() == self) {
          pick = it;
          break;
        }
      }
      auto f = std::move(*pick);
      idle_.erase(pick);
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

std::vector<uint64_t> FaasletPool::idle_threads() const {
  util::MutexLock lock(mutex_);
  std::vector<uint64_t> threads;
  for (const auto& f : idle_) threads.push_back(f->last_thread());
  return threads;
}

size_t FaasletPool::created() const {
  util::MutexLock lock(mutex_);
  return created_;
}

}  // namespace wasmlet::faaslet
