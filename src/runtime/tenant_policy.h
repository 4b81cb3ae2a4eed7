#pragma once
// What the runtime asks about tenants of whoever manages them (the server's tenant store): a
// tenant's ceilings on its functions' limits and its state, and whether one tenant's functions
// may chain to another's. Without one, every tenant gets the runtime's defaults and a function
// may chain to any user's function.
#include <cstddef>
#include <cstdint>
#include <string>

#include "faaslet/function_config.h"
#include "runtime/function_id.h"

namespace wasmlet::runtime {

class TenantPolicy {
 public:
  virtual ~TenantPolicy() = default;
  // `defaults` lowered to the tenant's ceilings.
  virtual faaslet::FunctionLimits function_limits(
      const std::string& tenant, const faaslet::FunctionLimits& defaults) const = 0;
  // Host memory the tenant's local state may hold, at most `defaults`.
  virtual size_t state_bytes(const std::string& tenant, size_t defaults) const = 0;
  // What the tenant's shared files may take on disk; `defaults` for a tenant with no quota.
  virtual uint64_t shared_file_bytes(const std::string& tenant, uint64_t defaults) const = 0;
  // Whether a function of `caller` may chain to `callee`, a function of another user.
  virtual bool may_chain(const std::string& caller, const FunctionId& callee) const = 0;
};

}  // namespace wasmlet::runtime
