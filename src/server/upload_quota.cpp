#include "server/upload_quota.h"

#include <fmt/format.h>

namespace wasmlet::server {

size_t check_upload_quota(const ApiContext& ctx, const runtime::FunctionId& id, size_t bytes) {
  const auth::TenantStore* store = ctx.gate->store();
  if (ctx.gate->open() || store == nullptr) return SIZE_MAX;
  const auth::Quotas q = store->quotas(id.user);
  uint64_t count = 1, total = bytes;
  for (const auto& info : ctx.runtime.functions()) {
    if (info.id.user != id.user || info.id == id) continue;
    ++count;
    total += info.size_bytes;
  }
  if (count > q.max_functions) {
    throw HttpError(
        http::status::forbidden, "quota_exceeded",
        fmt::format("tenant '{}' may have at most {} functions", id.user, q.max_functions));
  }
  if (total > q.max_function_bytes) {
    throw HttpError(http::status::forbidden, "quota_exceeded",
                    fmt::format("tenant '{}' may store at most {} bytes of functions; this upload "
                                "would make {}",
                                id.user, q.max_function_bytes, total));
  }
  return q.max_function_bytes - (total - bytes);
}

}  // namespace wasmlet::server
