#include "server/tenant_policy.h"

#include <algorithm>

namespace wasmlet::server {

faaslet::FunctionLimits StoreTenantPolicy::function_limits(
    const std::string& tenant, const faaslet::FunctionLimits& defaults) const {
  if (!store_.has_keys()) return defaults;
  const auth::Quotas q = store_.quotas(tenant);
  faaslet::FunctionLimits limits = defaults;
  constexpr uint64_t kPage = 65536;
  limits.memory_pages = static_cast<uint32_t>(
      std::min<uint64_t>(limits.memory_pages, std::max<uint64_t>(1, q.max_memory_bytes / kPage)));
  limits.timeout = std::min<std::chrono::nanoseconds>(limits.timeout, q.max_timeout);
  return limits;
}

size_t StoreTenantPolicy::state_bytes(const std::string& tenant, size_t defaults) const {
  if (!store_.has_keys()) return defaults;
  return static_cast<size_t>(std::min<uint64_t>(defaults, store_.quotas(tenant).max_state_bytes));
}

uint64_t StoreTenantPolicy::shared_file_bytes(const std::string& tenant, uint64_t defaults) const {
  return store_.has_keys() ? store_.quotas(tenant).max_file_bytes : defaults;
}

bool StoreTenantPolicy::may_chain(const std::string& caller,
                                  const runtime::FunctionId& callee) const {
  return !store_.has_keys() || store_.is_shared(callee.user, callee.name, caller);
}

}  // namespace wasmlet::server
