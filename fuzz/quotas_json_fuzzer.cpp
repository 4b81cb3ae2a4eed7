// libFuzzer target: quotas as an admin sends them (auth::quotas_from_json over any JSON text).
// Anything refused is refused with wasmlet::Error (never a JSON library exception); anything
// accepted is within the documented bounds and survives a round trip through quotas_to_json.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string_view>

#include "auth/quotas.h"
#include "util/error.h"

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  nlohmann::json j = nlohmann::json::parse(input, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return 0;
  wasmlet::auth::Quotas q;
  try {
    q = wasmlet::auth::quotas_from_json(j, wasmlet::auth::Quotas{});
  } catch (const wasmlet::Error&) {
    return 0;
  }
  check(q.max_concurrent_calls >= 1 && q.burst >= 1 && q.max_memory_bytes >= 1);
  check(std::isfinite(q.calls_per_second) && q.calls_per_second > 0);
  check(q.max_timeout.count() >= 1 && q.max_timeout.count() <= (int64_t{1} << 40));
  check(wasmlet::auth::quotas_from_json(wasmlet::auth::quotas_to_json(q), {}) == q);
  check(wasmlet::auth::quotas_from_json(
            nlohmann::json::parse(wasmlet::auth::quotas_to_json(q).dump()), {}) == q);
  return 0;
}
