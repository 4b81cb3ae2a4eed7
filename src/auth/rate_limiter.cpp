#include "auth/rate_limiter.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <mutex>
#include <shared_mutex>
#include <unordered_map>

namespace wasmlet::auth {

// One tenant's bucket and in-flight count. The count is taken under `mutex` (so that the check
// against the limit and the increment are one step) and given back without it.
struct TenantCounters {
  std::mutex mutex;
  double tokens = 0;
  RateLimiter::Clock::time_point refilled;
  bool fresh = true;  // a new bucket starts full
  std::atomic<uint32_t> in_flight{0};
};

CallPermit::CallPermit(std::shared_ptr<TenantCounters> counter) : counter_(std::move(counter)) {}

CallPermit::CallPermit(CallPermit&& other) noexcept = default;

CallPermit& CallPermit::operator=(CallPermit&& other) noexcept {
  if (this != &other) {
    if (counter_) counter_->in_flight.fetch_sub(1, std::memory_order_relaxed);
    counter_ = std::move(other.counter_);
  }
  return *this;
}

CallPermit::~CallPermit() {
  if (counter_) counter_->in_flight.fetch_sub(1, std::memory_order_relaxed);
}

namespace {

struct NameHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

}  // namespace

struct RateLimiter::Impl {
  Now now;
  mutable std::shared_mutex mutex;
  std::unordered_map<std::string, std::shared_ptr<TenantCounters>, NameHash, std::equal_to<>>
      tenants;

  std::shared_ptr<TenantCounters> find(std::string_view tenant) const {
    std::shared_lock lock(mutex);
    auto it = tenants.find(tenant);
    return it == tenants.end() ? nullptr : it->second;
  }

  std::shared_ptr<TenantCounters> counters(std::string_view tenant) {
    if (auto found = find(tenant)) return found;
    std::unique_lock lock(mutex);
    auto [it, inserted] = tenants.try_emplace(std::string(tenant));
    if (inserted) it->second = std::make_shared<TenantCounters>();
    return it->second;
  }
};

RateLimiter::RateLimiter(Now now) : impl_(std::make_unique<Impl>()) { impl_->now = std::move(now); }

RateLimiter::~RateLimiter() = default;

RateLimiter::Admission RateLimiter::admit(std::string_view tenant, const Quotas& quotas) {
  std::shared_ptr<TenantCounters> c = impl_->counters(tenant);
  Clock::time_point now = impl_->now();
  std::lock_guard lock(c->mutex);
  auto burst = static_cast<double>(quotas.burst);
  if (c->fresh) {
    c->tokens = burst;
    c->fresh = false;
  } else if (now > c->refilled) {
    double elapsed = std::chrono::duration<double>(now - c->refilled).count();
    c->tokens += elapsed * quotas.calls_per_second;
  }
  // The quotas may have shrunk since the last call: never hold more than today's burst.
  c->tokens = std::min(c->tokens, burst);
  c->refilled = std::max(c->refilled, now);

  // Concurrency first, so that a call refused for it spends no token.
  if (c->in_flight.load(std::memory_order_relaxed) >= quotas.max_concurrent_calls) {
    return {{}, Refusal{Refusal::Kind::Concurrency, std::chrono::seconds(1)}};
  }
  if (c->tokens < 1) {
    // Capped: a rate of zero (quotas not from quotas_from_json) must not overflow.
    double wait = std::min((1 - c->tokens) / quotas.calls_per_second, 3600.0);
    auto seconds = std::max<int64_t>(1, static_cast<int64_t>(std::ceil(wait)));
    return {{}, Refusal{Refusal::Kind::Rate, std::chrono::seconds(seconds)}};
  }
  c->tokens -= 1;
  c->in_flight.fetch_add(1, std::memory_order_relaxed);
  return {CallPermit(std::move(c)), std::nullopt};
}

uint32_t RateLimiter::in_flight(std::string_view tenant) const {
  auto c = impl_->find(tenant);
  return c ? c->in_flight.load(std::memory_order_relaxed) : 0;
}

void RateLimiter::forget(std::string_view tenant) {
  std::unique_lock lock(impl_->mutex);
  if (auto it = impl_->tenants.find(tenant); it != impl_->tenants.end()) {
    impl_->tenants.erase(it);
  }
}

}  // namespace wasmlet::auth
