#include "faaslet/faaslet_pool.h"

namespace wasmlet::faaslet {

FaasletPool::FaasletPool(std::shared_ptr<const ProtoFaaslet> proto, size_t max_idle)
    : proto_(std::move(proto)), max_idle_(max_idle) {}

std::unique_ptr<Faaslet> FaasletPool::acquire() {
  {
    std::lock_guard lock(mutex_);
    if (!idle_.empty()) {
      auto f = std::move(idle_.back());
      idle_.pop_back();
      return f;
    }
    ++created_;
  }
  return std::make_unique<Faaslet>(proto_);  // outside the lock: a restore is not free
}

void FaasletPool::release(std::unique_ptr<Faaslet> faaslet) {
  if (!faaslet->reusable()) return;
  std::lock_guard lock(mutex_);
  if (idle_.size() < max_idle_) idle_.push_back(std::move(faaslet));
}

CallResult FaasletPool::call(std::string input, const Entry& entry) {
  auto faaslet = acquire();
  CallResult result = faaslet->call(std::move(input), entry);
  release(std::move(faaslet));
  return result;
}

size_t FaasletPool::idle() const {
  std::lock_guard lock(mutex_);
  return idle_.size();
}

size_t FaasletPool::created() const {
  std::lock_guard lock(mutex_);
  return created_;
}

}  // namespace wasmlet::faaslet
