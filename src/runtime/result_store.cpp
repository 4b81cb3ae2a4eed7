#include "runtime/result_store.h"

#include <fmt/format.h>

#include <algorithm>

namespace wasmlet::runtime {

uint64_t ResultStore::add(const FunctionId& function, const std::string& tenant) {
  uint64_t id = reserve_id();
  // The record is allocated before the lock is taken, and evicted ones freed after it.
  Records staged;
  CallRecord& record = staged[id];
  record.id = id;
  record.function = function;
  record.tenant = tenant;
  record.submitted_at = std::chrono::system_clock::now();
  std::string owner = record.owner();
  Evicted evicted;
  util::MutexLock lock(mutex_);
  account(record, true);
  records_.insert(staged.extract(id));
  prune_locked(owner, evicted);
  return id;
}

void ResultStore::set_running(uint64_t id) {
  util::MutexLock lock(mutex_);
  if (auto it = records_.find(id); it != records_.end()) it->second.status = CallStatus::Running;
}

void ResultStore::finish(uint64_t id, CallRecord record, bool listed) {
  std::string output = std::move(record.output);
  if (output.size() <= limits_.max_kept_output) {
    record.output = std::move(output);
    return store(id, std::move(record), listed);
  }
  finish(id, std::move(record), output, listed);
}

void ResultStore::finish(uint64_t id, CallRecord record, std::string_view output, bool listed) {
  if (output.size() <= limits_.max_kept_output) {
    record.output.assign(output);
  } else {
    std::string note = fmt::format(
        "the output of {} bytes is larger than the {} bytes kept for status queries; only the "
        "caller that awaited the call received it",
        output.size(), limits_.max_kept_output);
    // A failed call keeps its own reason first.
    if (record.error_kind.empty()) {
      record.error_kind = "output_dropped";
      record.error_message = std::move(note);
    } else {
      record.error_message += "; " + note;
    }
  }
  store(id, std::move(record), listed);
}

void ResultStore::store(uint64_t id, CallRecord record, bool listed) {
  // Every call from every I/O thread passes here: allocate before the lock, free after it.
  std::set<uint64_t> staged_id{id};
  Evicted evicted;
  if (listed) {
    // The queued record is never evicted before it finishes (only finished ones are): the
    // finished one takes its place in its node, and the queued one, swapped out, is freed
    // after the lock with `record`.
    util::MutexLock lock(mutex_);
    auto it = records_.find(id);
    if (it == records_.end()) return;  // an id that was never listed: nothing to replace
    record.submitted_at = it->second.submitted_at;
    record.tenant = it->second.tenant;
    account(it->second, false);
    std::swap(it->second, record);
    account(it->second, true);
    finish_locked(it, staged_id, evicted);
    return;
  }
  Records staged;
  CallRecord& kept = staged.emplace(id, std::move(record)).first->second;
  kept.submitted_at = std::chrono::system_clock::now() -
                      std::chrono::duration_cast<std::chrono::system_clock::duration>(
                          kept.queue_time + kept.run_time);
  util::MutexLock lock(mutex_);
  // Ids grow: a call that was never listed is usually the newest, and the hint spares a search.
  auto it = records_.insert(records_.end(), staged.extract(id));
  account(it->second, true);
  finish_locked(it, staged_id, evicted);
}

void ResultStore::finish_locked(Records::iterator it, std::set<uint64_t>& staged_id,
                                Evicted& evicted) {
  std::set<uint64_t>& finished = tenants_[it->second.owner()].finished;
  finished.insert(finished.end(), staged_id.extract(it->first));
  prune_locked(it->second.owner(), evicted);
}

std::optional<CallRecord> ResultStore::get(uint64_t id) const {
  util::MutexLock lock(mutex_);
  auto it = records_.find(id);
  if (it == records_.end()) return std::nullopt;
  return it->second;
}

size_t ResultStore::size() const {
  util::MutexLock lock(mutex_);
  return records_.size();
}

void ResultStore::account(const CallRecord& record, bool add) {
  Usage& usage = tenants_[record.owner()];
  size_t bytes = record.bytes();
  if (add) {
    ++usage.records;
    usage.bytes += bytes;
    bytes_ += bytes;
  } else {
    --usage.records;
    usage.bytes -= bytes;
    bytes_ -= bytes;
  }
}

void ResultStore::evict(Records::iterator it, Evicted& evicted) {
  account(it->second, false);
  auto usage = tenants_.find(it->second.owner());
  usage->second.finished.erase(it->first);
  if (usage->second.records == 0) tenants_.erase(usage);
  evicted.push_back(records_.extract(it));
}

void ResultStore::prune_locked(const std::string& tenant, Evicted& evicted) {
  // Past their age, oldest first, whoever they belong to.
  auto cutoff = std::chrono::system_clock::now() - limits_.ttl;
  for (auto it = records_.begin(); it != records_.end() && it->second.submitted_at < cutoff;) {
    bool finished = tenants_[it->second.owner()].finished.contains(it->first);
    auto next = std::next(it);
    if (finished) evict(it, evicted);
    it = next;
  }
  // Past the tenant's own limits: its oldest finished records go.
  for (auto u = tenants_.find(tenant); u != tenants_.end() && !u->second.finished.empty() &&
                                       (u->second.records > limits_.max_results_per_tenant ||
                                        u->second.bytes > limits_.max_bytes_per_tenant);
       u = tenants_.find(tenant)) {
    evict(records_.find(*u->second.finished.begin()), evicted);
  }
  // Past the server's: from whichever tenant holds the most, so one within its own limits
  // loses records only when every other holds no more.
  while (records_.size() > limits_.max_results || bytes_ > limits_.max_bytes) {
    bool by_count = records_.size() > limits_.max_results;
    auto largest = tenants_.end();
    for (auto u = tenants_.begin(); u != tenants_.end(); ++u) {
      if (u->second.finished.empty()) continue;
      size_t size = by_count ? u->second.records : u->second.bytes;
      size_t best = largest == tenants_.end()
                        ? 0
                        : (by_count ? largest->second.records : largest->second.bytes);
      if (largest == tenants_.end() || size > best) largest = u;
    }
    if (largest == tenants_.end()) break;  // only unfinished calls: they are never dropped
    evict(records_.find(*largest->second.finished.begin()), evicted);
  }
}

std::vector<CallRecord> ResultStore::recent(const Filter& include, size_t limit) const {
  std::vector<CallRecord> out;
  util::MutexLock lock(mutex_);
  for (auto it = records_.rbegin(); it != records_.rend() && out.size() < limit; ++it) {
    const CallRecord& r = it->second;
    if (!include(r.function, r.owner())) continue;
    CallRecord summary;
    summary.id = r.id;
    summary.function = r.function;
    summary.tenant = r.tenant;
    summary.status = r.status;
    summary.return_code = r.return_code;
    summary.error_kind = r.error_kind;
    summary.error_message = r.error_message;
    summary.submitted_at = r.submitted_at;
    summary.queue_time = r.queue_time;
    summary.run_time = r.run_time;
    out.push_back(std::move(summary));
  }
  return out;
}

}  // namespace wasmlet::runtime
