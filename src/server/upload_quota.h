#pragma once
// A tenant's quotas on what it stores: how many functions, and their bytes in all. Checked
// before an upload compiles; two uploads racing may pass one quota by one function between
// them (uploads are few and each is bounded by the body limit).
#include <cstddef>
#include <cstdint>

#include "runtime/function_id.h"
#include "server/api_context.h"

namespace wasmlet::server {

// Throws HttpError 403 "quota_exceeded" naming the quota. Replacing a function counts its new
// size instead of its old one. Nothing is checked on an open server. Returns the bytes the
// upload may take once stored (a package may unpack to more than its body): SIZE_MAX when
// nothing is checked.
size_t check_upload_quota(const ApiContext& ctx, const runtime::FunctionId& id, size_t bytes);

}  // namespace wasmlet::server
