#include "faaslet/faaslet_pool.h"

#include <spdlog/spdlog.h>

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

void FaasletPool::place_thread() const {
  // A no-op when the thread has the tenant's weight already, or when cgroups cannot be managed
  // here.
  if (placement_.cgroups != nullptr)
    placement_.cgroups->enter(placement_.tenant, placement_.cpu_weight);
}

CallResult FaasletPool::call(std::string input, const EntryPoint& entry, const CallOptions& options,
                             PendingReset* later) {
  // The calling thread runs this tenant's code: it takes the tenant's CPU weight.
  if (options.tenant_placement) place_thread();
  bool fresh = false;
  auto faaslet = acquire(fresh);
  CallResult result = faaslet->run(std::move(input), entry, options);
  result.fresh = fresh;
  auto self = later != nullptr ? weak_from_this().lock() : nullptr;
  if (self && faaslet->reusable()) {
    *later = PendingReset(std::move(self), std::move(faaslet));
  } else {
    faaslet->reset();
    release(std::move(faaslet));
  }
  return result;
}

PendingReset& PendingReset::operator=(PendingReset&& other) noexcept {
  if (this != &other) {
    finish();
    pool_ = std::move(other.pool_);
    faaslet_ = std::move(other.faaslet_);
  }
  return *this;
}

std::chrono::nanoseconds PendingReset::expected_time() const {
  return faaslet_ ? faaslet_->last_reset_time() : std::chrono::nanoseconds{0};
}

void PendingReset::finish(bool placed) noexcept {
  if (!faaslet_) return;
  std::shared_ptr<FaasletPool> pool = std::move(pool_);
  std::unique_ptr<Faaslet> faaslet = std::move(faaslet_);
  try {
    if (placed) pool->place_thread();
    faaslet->reset();  // failures are its own: it is then not reusable
    pool->release(std::move(faaslet));
  } catch (const std::exception& e) {
    // Placing the thread or keeping the Faaslet failed (no memory): it is dropped.
    spdlog::warn("dropping a Faaslet after its reset: {}", e.what());
  }
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
