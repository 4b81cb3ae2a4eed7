#pragma once
// The runtime's TenantPolicy from the tenant store: a tenant's quotas cap its functions' memory
// and time limits, its state and its shared files, and a function may chain to another tenant's
// only when that tenant shared it. While the store holds no key (an open server) the runtime's
// defaults apply.
#include "auth/tenant_store.h"
#include "runtime/tenant_policy.h"

namespace wasmlet::server {

class StoreTenantPolicy final : public runtime::TenantPolicy {
 public:
  explicit StoreTenantPolicy(const auth::TenantStore& store) : store_(store) {}

  faaslet::FunctionLimits function_limits(const std::string& tenant,
                                          const faaslet::FunctionLimits& defaults) const override;
  size_t state_bytes(const std::string& tenant, size_t defaults) const override;
  uint64_t shared_file_bytes(const std::string& tenant, uint64_t defaults) const override;
  bool may_chain(const std::string& caller, const runtime::FunctionId& callee) const override;

 private:
  const auth::TenantStore& store_;
};

}  // namespace wasmlet::server
