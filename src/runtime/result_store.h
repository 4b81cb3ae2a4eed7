#pragma once
// The records of calls for status queries: queued and running ones, and finished ones for a
// while. Finished records are kept by count, bytes and age per tenant, so that one tenant's
// load cannot evict another's results before their time; the server-wide count and bytes are
// a backstop that evicts from the tenant holding the most. Thread-safe.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "runtime/call_record.h"
#include "util/mutex.h"

namespace wasmlet::runtime {

struct ResultLimits {
  size_t max_results = 10000;            // records kept in all...
  size_t max_bytes = size_t{256} << 20;  // ...holding at most this much memory
  size_t max_results_per_tenant = 2000;  // the same for one tenant
  size_t max_bytes_per_tenant = size_t{64} << 20;
  std::chrono::seconds ttl{600};  // a finished record is dropped this long after submission
  // A finished call's output above this is not kept (error_kind "output_dropped"); a caller
  // awaiting the call still gets all of it.
  size_t max_kept_output = size_t{1} << 20;
};

class ResultStore {
 public:
  explicit ResultStore(ResultLimits limits) : limits_(limits) {}

  // A new queued record of `tenant`'s call (empty: the function's owner's); returns its id.
  uint64_t add(const FunctionId& function, const std::string& tenant = {});
  // An id for a call that is listed only when it finishes (finish with listed = false): one
  // run at once for a caller that learns its id with the result.
  uint64_t reserve_id() { return next_id_.fetch_add(1, std::memory_order_relaxed); }
  void set_running(uint64_t id);
  // Replaces the record with the finished one (which keeps the submission time), or for a call
  // not listed before, lists it.
  void finish(uint64_t id, CallRecord record, bool listed = true);
  // The same for a record whose output is elsewhere: it is copied in only if it is kept.
  void finish(uint64_t id, CallRecord record, std::string_view output, bool listed = true);
  std::optional<CallRecord> get(uint64_t id) const;
  // Which records a listing takes: by function and by the tenant whose call it is.
  using Filter = std::function<bool(const FunctionId& function, const std::string& owner)>;
  // Up to `limit` records that `include` accepts, newest first, without their output, streams
  // or history (a listing's summaries).
  std::vector<CallRecord> recent(const Filter& include, size_t limit) const;
  size_t size() const;

 private:
  struct Usage {
    size_t records = 0;
    size_t bytes = 0;
    std::set<uint64_t> finished;  // ids, oldest first
  };
  using Records = std::map<uint64_t, CallRecord>;
  // Records taken out under the lock and freed after it.
  using Evicted = std::vector<Records::node_type>;
  void store(uint64_t id, CallRecord record, bool listed);
  // Lists a record that has just finished as such, then drops what the limits no longer keep.
  void finish_locked(Records::iterator it, std::set<uint64_t>& staged_id, Evicted& evicted)
      REQUIRES(mutex_);
  void account(const CallRecord& record, bool add) REQUIRES(mutex_);
  void evict(Records::iterator it, Evicted& evicted) REQUIRES(mutex_);
  void prune_locked(const std::string& tenant, Evicted& evicted) REQUIRES(mutex_);

  const ResultLimits limits_;
  mutable util::Mutex mutex_;
  std::atomic<uint64_t> next_id_{1};
  Records records_ GUARDED_BY(mutex_);  // ordered by id = by age
  std::map<std::string, Usage> tenants_ GUARDED_BY(mutex_);
  size_t bytes_ GUARDED_BY(mutex_) = 0;
};

}  // namespace wasmlet::runtime
