#pragma once
// What one tenant may use. Each tenant has its own copy (set by an admin); new tenants get the
// server's defaults.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <nlohmann/json_fwd.hpp>

namespace wasmlet::auth {

struct Quotas {
  uint32_t max_concurrent_calls = 64;              // calls from outside queued or running at once
  double calls_per_second = 1000;                  // token bucket refill rate
  uint32_t burst = 2000;                           // token bucket size
  uint64_t max_memory_bytes = 4ull << 30;          // ceiling on a function's memory limit
  std::chrono::milliseconds max_timeout{300'000};  // ceiling on a function's time limit
  uint32_t max_functions = 1000;                   // functions, Python packages and workflows
  uint64_t max_function_bytes = 1ull << 30;        // their uploaded bytes, in all
  uint64_t max_state_bytes = 1ull << 30;           // state values held for the tenant
  uint64_t max_file_bytes = 1ull << 30;            // its shared files (/file), each at least 4 KiB

  bool operator==(const Quotas&) const = default;
};

// JSON object with the field names above ("max_timeout_ms" for the time limit). from_json
// takes a partial object over `base` and throws Error naming a bad or unknown field.
nlohmann::json quotas_to_json(const Quotas& quotas);
Quotas quotas_from_json(const nlohmann::json& j, const Quotas& base);

}  // namespace wasmlet::auth
