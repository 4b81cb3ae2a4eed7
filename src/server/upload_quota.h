#pragma once
// A tenant's quotas on what it stores: how many functions, and their bytes in all. Checked
// before an upload compiles, counting with what is stored the uploads of the tenant that passed
// this check and are not stored yet, so that uploads racing cannot pass a quota between them.
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "runtime/function_id.h"
#include "util/mutex.h"

namespace wasmlet::server {

struct ApiContext;

// The uploads in progress, per tenant.
class PendingUploads {
 public:
  PendingUploads();
  PendingUploads(const PendingUploads&) = delete;
  PendingUploads& operator=(const PendingUploads&) = delete;

  // Counts an upload as pending for as long as it is held.
  class Hold;
  // The tenant's other functions being uploaded, by name, with the most each may take.
  using Others = std::map<std::string, uint64_t>;
  // Runs `check` with the tenant's other pending uploads, under the lock that admits them: it
  // throws to refuse, or returns what the upload of `id` may take, which counts as pending
  // until the returned hold goes.
  template <class Check>
  std::shared_ptr<const Hold> admit(const runtime::FunctionId& id, Check&& check);

 private:
  struct Entry {
    runtime::FunctionId id;
    uint64_t bytes;
  };
  struct State {
    util::Mutex mutex;
    uint64_t next GUARDED_BY(mutex) = 0;
    std::map<uint64_t, Entry> uploads GUARDED_BY(mutex);
  };
  Others others_locked(const runtime::FunctionId& id) REQUIRES(state_->mutex);
  std::shared_ptr<const Hold> add_locked(const runtime::FunctionId& id, uint64_t bytes)
      REQUIRES(state_->mutex);

  // Shared with the holds, which may outlive the server's handlers in queued compile tasks.
  std::shared_ptr<State> state_;
};

class PendingUploads::Hold {
 public:
  Hold(std::shared_ptr<State> state, uint64_t key) : state_(std::move(state)), key_(key) {}
  Hold(const Hold&) = delete;
  Hold& operator=(const Hold&) = delete;
  ~Hold();

 private:
  std::shared_ptr<State> state_;
  uint64_t key_;
};

template <class Check>
std::shared_ptr<const PendingUploads::Hold> PendingUploads::admit(const runtime::FunctionId& id,
                                                                  Check&& check) {
  util::MutexLock lock(state_->mutex);
  const uint64_t bytes = check(others_locked(id));
  return add_locked(id, bytes);
}

// What an upload that passed may take once stored (a Python package may unpack to more than its
// body: SIZE_MAX when nothing is checked), and its place among the pending uploads, to be kept
// until it is stored or refused.
struct UploadAllowance {
  size_t quota_bytes = SIZE_MAX;
  std::shared_ptr<const PendingUploads::Hold> pending;
};

enum class UploadKind { Wasm, Python };

// Throws HttpError 403 "quota_exceeded" naming the quota, or 429 "uploads_in_progress" (with
// Retry-After) when only the tenant's uploads in progress make it pass. Replacing a function
// counts its new size instead of its old one. A Python package counts as what it may unpack to
// while it is pending. Nothing is checked on an open server.
UploadAllowance check_upload_quota(const ApiContext& ctx, const runtime::FunctionId& id,
                                   size_t bytes, UploadKind kind);

}  // namespace wasmlet::server
