#pragma once
// Per-tenant admission: a token bucket for calls per second and a count of concurrent calls.
// Cheap on the hot path (one short critical section per tenant, no allocation once a tenant
// has been seen).
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "auth/quotas.h"

namespace wasmlet::auth {

class RateLimiter;

// A concurrent-call slot; released when destroyed. Movable, so it can ride with a call to
// its completion.
class CallPermit {
 public:
  CallPermit() = default;
  CallPermit(CallPermit&&) noexcept;
  CallPermit& operator=(CallPermit&&) noexcept;
  CallPermit(const CallPermit&) = delete;
  CallPermit& operator=(const CallPermit&) = delete;
  ~CallPermit();
  explicit operator bool() const { return counter_ != nullptr; }

 private:
  friend class RateLimiter;
  explicit CallPermit(std::shared_ptr<struct TenantCounters> counter);
  std::shared_ptr<struct TenantCounters> counter_;
};

// Why admission was refused, and when to try again (Retry-After).
struct Refusal {
  enum class Kind { Rate, Concurrency } kind;
  std::chrono::seconds retry_after;  // at least 1 s
};

class RateLimiter {
 public:
  using Clock = std::chrono::steady_clock;
  // Where the limiter reads the time: steady_clock by default, a fake one in tests.
  using Now = std::function<Clock::time_point()>;
  explicit RateLimiter(Now now = Clock::now);
  ~RateLimiter();
  // Takes one token and one concurrency slot for a call of `tenant` limited by `quotas`, or
  // says why not. Thread-safe.
  struct Admission {
    CallPermit permit;               // set when admitted
    std::optional<Refusal> refusal;  // set when refused
  };
  Admission admit(std::string_view tenant, const Quotas& quotas);
  // Calls of `tenant` holding permits now.
  uint32_t in_flight(std::string_view tenant) const;
  // Forgets a tenant's counters (it was removed); outstanding permits stay valid.
  void forget(std::string_view tenant);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace wasmlet::auth
