#include "server/upload_quota.h"

#include <fmt/format.h>

#include <algorithm>

#include "runtime/python_package.h"
#include "server/api_context.h"

namespace wasmlet::server {

PendingUploads::PendingUploads() : state_(std::make_shared<State>()) {}

PendingUploads::Others PendingUploads::others_locked(const runtime::FunctionId& id) {
  Others others;
  for (const auto& [key, entry] : state_->uploads) {
    if (entry.id.user != id.user || entry.id == id) continue;
    uint64_t& most = others[entry.id.name];
    most = std::max(most, entry.bytes);
  }
  return others;
}

std::shared_ptr<const PendingUploads::Hold> PendingUploads::add_locked(
    const runtime::FunctionId& id, uint64_t bytes) {
  const uint64_t key = state_->next++;
  state_->uploads.emplace(key, Entry{id, bytes});
  return std::make_shared<const Hold>(state_, key);
}

PendingUploads::Hold::~Hold() {
  util::MutexLock lock(state_->mutex);
  state_->uploads.erase(key_);
}

namespace {

[[noreturn]] void refuse(bool only_with_pending, const std::string& message) {
  if (only_with_pending) {
    throw HttpError(http::status::too_many_requests, "uploads_in_progress",
                    message + " with the tenant's uploads in progress; retry when they are done",
                    {{http::field::retry_after, "1"}});
  }
  throw HttpError(http::status::forbidden, "quota_exceeded", message);
}

}  // namespace

UploadAllowance check_upload_quota(const ApiContext& ctx, const runtime::FunctionId& id,
                                   size_t bytes, UploadKind kind) {
  const auth::TenantStore* store = ctx.gate->store();
  if (ctx.gate->open() || store == nullptr) return {};
  const auth::Quotas q = store->quotas(id.user);
  UploadAllowance allowance;
  allowance.pending = ctx.pending_uploads->admit(id, [&](PendingUploads::Others others) {
    // Listed under the lock: an upload leaves the pending ones only once it is stored. A
    // function both stored and being replaced counts once, at the larger of its sizes.
    uint64_t count = 1, stored_bytes = 0;
    for (const auto& info : ctx.runtime.functions()) {
      if (info.id.user != id.user || info.id == id) continue;
      auto [it, added] = others.emplace(info.id.name, info.size_bytes);
      if (!added) it->second = std::max<uint64_t>(it->second, info.size_bytes);
      ++count;
      stored_bytes += info.size_bytes;
    }
    uint64_t all_bytes = 0;
    for (const auto& [name, most] : others) all_bytes += most;
    const uint64_t all_count = 1 + others.size();
    if (all_count > q.max_functions) {
      refuse(count <= q.max_functions,
             fmt::format("tenant '{}' may have at most {} functions", id.user, q.max_functions));
    }
    const uint64_t total = all_bytes + bytes;
    if (total > q.max_function_bytes) {
      refuse(stored_bytes + bytes <= q.max_function_bytes,
             fmt::format("tenant '{}' may store at most {} bytes of functions; this upload "
                         "would make {}",
                         id.user, q.max_function_bytes, total));
    }
    allowance.quota_bytes = q.max_function_bytes - all_bytes;
    if (kind == UploadKind::Wasm) return uint64_t{bytes};
    // A package is pending at what it may unpack to, so that packages unpacking together
    // cannot pass the quota between them.
    allowance.quota_bytes = std::min<uint64_t>(
        allowance.quota_bytes, std::max<uint64_t>(bytes, runtime::PackageLimits{}.max_bytes));
    return uint64_t{allowance.quota_bytes};
  });
  return allowance;
}

}  // namespace wasmlet::server
