#pragma once
// The memory that request bodies being read or handled may take, all connections together.
// Each connection's body is bounded (ServerConfig::max_body_bytes) and so is the number of
// connections, but not their product: 10,000 connections of 64 MiB bodies are 640 GB. A body
// larger than a connection's read buffer (64 KiB) holds a lease on this budget for as long as
// its request is served; past the budget the request is refused (503) instead of read.
#include <atomic>
#include <cstddef>

namespace wasmlet::server {

class BodyBudget {
 public:
  explicit BodyBudget(size_t max_bytes) : max_bytes_(max_bytes) {}
  BodyBudget(const BodyBudget&) = delete;
  BodyBudget& operator=(const BodyBudget&) = delete;

  // What one request holds of the budget; given back when it is destroyed or reset.
  class Lease {
   public:
    Lease() = default;
    explicit Lease(BodyBudget& budget) : budget_(&budget) {}
    Lease(Lease&& other) noexcept;
    Lease& operator=(Lease&& other) noexcept;
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    ~Lease() { reset(); }

    // Holds `bytes` in all (more than before, or the same). False, holding what it held, when
    // the budget has not that much left.
    bool grow_to(size_t bytes);
    void reset();
    size_t bytes() const { return bytes_; }

   private:
    BodyBudget* budget_ = nullptr;
    size_t bytes_ = 0;
  };

  size_t max_bytes() const { return max_bytes_; }
  size_t in_use() const { return in_use_.load(std::memory_order_relaxed); }

 private:
  bool take(size_t bytes);
  void give_back(size_t bytes) { in_use_.fetch_sub(bytes, std::memory_order_relaxed); }

  const size_t max_bytes_;
  std::atomic<size_t> in_use_{0};
};

}  // namespace wasmlet::server
