#include "auth/quotas.h"

#include <fmt/format.h>

#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>

#include "util/error.h"

namespace wasmlet::auth {

namespace {

using nlohmann::json;

// Beyond this a time limit in nanoseconds would overflow (about 31 years).
constexpr uint64_t kMaxTimeoutMs = uint64_t{1} << 40;
// A rate no server reaches; it keeps the token arithmetic far from infinity.
constexpr double kMaxCallsPerSecond = 1e9;

[[noreturn]] void bad(const std::string& field, std::string_view why) {
  // The name comes from the client: quote no more of it than a real field needs.
  throw Error(fmt::format("quotas: '{}' {}", field.substr(0, 64), why));
}

// A whole number in [min, max]: JSON integers only, not 1.0 nor true.
uint64_t whole(const std::string& field, const json& v, uint64_t min, uint64_t max) {
  if (!v.is_number_integer()) bad(field, "must be a whole number");
  if (v.is_number_unsigned()) {
    auto n = v.get<uint64_t>();
    if (n < min || n > max) bad(field, fmt::format("must be between {} and {}", min, max));
    return n;
  }
  auto n = v.get<int64_t>();
  if (n < 0 || static_cast<uint64_t>(n) < min || static_cast<uint64_t>(n) > max) {
    bad(field, fmt::format("must be between {} and {}", min, max));
  }
  return static_cast<uint64_t>(n);
}

uint32_t whole32(const std::string& field, const json& v, uint32_t min) {
  return static_cast<uint32_t>(whole(field, v, min, std::numeric_limits<uint32_t>::max()));
}

double rate(const std::string& field, const json& v) {
  if (!v.is_number()) bad(field, "must be a number");
  double d = v.get<double>();
  if (!std::isfinite(d) || d <= 0 || d > kMaxCallsPerSecond) {
    bad(field, fmt::format("must be above 0 and at most {:g}", kMaxCallsPerSecond));
  }
  return d;
}

void apply(Quotas& q, const std::string& field, const json& v) {
  constexpr uint64_t kMax64 = std::numeric_limits<uint64_t>::max();
  // Zero makes sense where it means "none of this" (no functions, no state); not for what
  // every call needs.
  if (field == "max_concurrent_calls") {
    q.max_concurrent_calls = whole32(field, v, 1);
  } else if (field == "calls_per_second") {
    q.calls_per_second = rate(field, v);
  } else if (field == "burst") {
    q.burst = whole32(field, v, 1);
  } else if (field == "max_memory_bytes") {
    q.max_memory_bytes = whole(field, v, 1, kMax64);
  } else if (field == "max_timeout_ms") {
    q.max_timeout = std::chrono::milliseconds(whole(field, v, 1, kMaxTimeoutMs));
  } else if (field == "max_functions") {
    q.max_functions = whole32(field, v, 0);
  } else if (field == "max_function_bytes") {
    q.max_function_bytes = whole(field, v, 0, kMax64);
  } else if (field == "max_state_bytes") {
    q.max_state_bytes = whole(field, v, 0, kMax64);
  } else if (field == "max_file_bytes") {
    q.max_file_bytes = whole(field, v, 0, kMax64);
  } else {
    bad(field, "is not a quota");
  }
}

}  // namespace

nlohmann::json quotas_to_json(const Quotas& q) {
  return {
      {"max_concurrent_calls", q.max_concurrent_calls},
      {"calls_per_second", q.calls_per_second},
      {"burst", q.burst},
      {"max_memory_bytes", q.max_memory_bytes},
      {"max_timeout_ms", q.max_timeout.count()},
      {"max_functions", q.max_functions},
      {"max_function_bytes", q.max_function_bytes},
      {"max_state_bytes", q.max_state_bytes},
      {"max_file_bytes", q.max_file_bytes},
  };
}

Quotas quotas_from_json(const nlohmann::json& j, const Quotas& base) {
  if (!j.is_object()) throw Error("quotas: expected a JSON object");
  Quotas q = base;
  for (const auto& [field, value] : j.items()) apply(q, field, value);
  return q;
}

}  // namespace wasmlet::auth
