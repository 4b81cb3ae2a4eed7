#pragma once
// The two-tier state a host offers its functions. The local tier keeps one shared-memory
// segment per user and key on this host; Faaslets map it into their linear memory, so they see
// each other's writes through plain loads and stores. The global tier (GlobalState: in-process
// or Redis) is where values live across hosts; push and pull move bytes between the tiers,
// whole or by dirty chunks.
#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "state/global_state.h"
#include "state/guest_locks.h"
#include "util/files.h"
#include "util/mutex.h"

namespace wasmlet::state {

// The host memory one user's local segments may hold (their memfds' lengths, which only grow
// while a segment lives). Growing past it fails the write, naming the limit.
class StateBudget {
 public:
  StateBudget(std::string user, size_t limit) : user_(std::move(user)), limit_(limit) {}
  StateBudget(const StateBudget&) = delete;
  StateBudget& operator=(const StateBudget&) = delete;

  void charge(size_t bytes);  // throws Error when it would pass the limit
  void release(size_t bytes) { used_ -= bytes; }
  size_t used() const { return used_; }
  // A lower limit refuses new charges only; what is held stays.
  void set_limit(size_t limit) { limit_ = limit; }

 private:
  const std::string user_;
  std::atomic<size_t> limit_;
  std::atomic<size_t> used_{0};
};

// One key's local copy: a memfd mapped once into the host. The memfd only grows (guests map
// it), but the value's size follows the last whole-value write.
class StateSegment {
 public:
  static constexpr size_t kChunk = 4096;  // granularity of dirty tracking

  // `budget` (optional) is charged for the memfd's length.
  explicit StateSegment(size_t size, std::shared_ptr<StateBudget> budget = nullptr);
  StateSegment(const StateSegment&) = delete;
  StateSegment& operator=(const StateSegment&) = delete;
  ~StateSegment();

  size_t size() const;
  int fd() const { return fd_.get(); }
  // Grows to at least `size` bytes (zero-filled). Earlier guest mappings stay valid.
  void ensure_size(size_t size);
  // Makes the memfd at least `bytes` long without changing the value's size, so a mapping of
  // whole wasm pages is backed throughout.
  void ensure_backing(size_t bytes);

  // Copies in or out under the segment's mutex.
  void write(size_t offset, std::string_view data);
  std::string read(size_t offset, size_t length) const;
  std::string read_all() const;
  // Sets the value exactly (a shorter value shrinks it; the memfd keeps its length, so guest
  // mappings stay valid) and clears the dirty chunks: the value now equals the global one.
  void replace(std::string_view value);

  void mark_dirty(size_t offset, size_t length);
  // No local writes waiting for a push: the value is what the global tier holds.
  bool clean() const;
  // Dirty chunks as (offset, length) runs, clearing them.
  std::vector<std::pair<size_t, size_t>> take_dirty();
  // Marks runs dirty again (a push that failed), so a later push still sends them.
  void restore_dirty(const std::vector<std::pair<size_t, size_t>>& runs);

  // The guest-visible read/write lock on this key (timed, so a waiting guest can give up
  // when its deadline passes).
  std::shared_timed_mutex& guest_lock() { return guest_lock_; }

 private:
  void remap_locked(size_t bytes) REQUIRES(mutex_);

  mutable util::Mutex mutex_;
  std::shared_ptr<StateBudget> budget_;
  util::UniqueFd fd_;
  uint8_t* data_ GUARDED_BY(mutex_) = nullptr;
  size_t size_ GUARDED_BY(mutex_) = 0;
  size_t mapped_ GUARDED_BY(mutex_) = 0;
  std::vector<bool> dirty_ GUARDED_BY(mutex_);
  std::shared_timed_mutex guest_lock_;
};

class StateTier {
 public:
  static constexpr size_t kDefaultMaxKeysPerCall = 1024;
  static constexpr size_t kDefaultMaxBytesPerUser = size_t{1} << 30;
  static constexpr size_t kDefaultMaxSegments = 65536;
  static constexpr size_t kDefaultMaxSegmentsPerUser = 8192;

  explicit StateTier(GlobalState& global) : global_(global), guest_locks_(global) {}

  GlobalState& global() { return global_; }
  // The locks guests take on keys (on this host, and in the global tier when it is shared).
  GuestLocks& guest_locks() { return guest_locks_; }

  // How many distinct keys one call may touch (each may cost the host a segment and its fd).
  void set_max_keys_per_call(size_t n) { max_keys_per_call_ = n; }
  size_t max_keys_per_call() const { return max_keys_per_call_; }
  // Host memory one user's local segments may hold; set before the first segment is made.
  void set_max_bytes_per_user(size_t n) { max_bytes_per_user_ = n; }
  // The same for one user, now and later (a tenant's quota).
  void set_user_max_bytes(const std::string& user, size_t n);
  size_t bytes_used(const std::string& user) const;
  // Local segments kept (each holds a memfd and a mapping), in all and per user. Past them,
  // the least recently used segments that no call holds and that have nothing to push are
  // dropped; their next use reads the global value again.
  void set_max_segments(size_t total, size_t per_user);
  size_t segment_count(const std::string& user) const;

  // The local segment of a key, created (and filled from the global tier) on first use. A
  // created segment has at least `min_size` bytes.
  std::shared_ptr<StateSegment> segment(const std::string& user, const std::string& key,
                                        size_t min_size = 0);
  // True when the key has a local segment already.
  bool has_local(const std::string& user, const std::string& key) const;

  // Called between the global writes of a partial push; true stops the push (throwing), and
  // the chunks not sent stay dirty. Functions pass "the call's deadline has passed".
  using StopCheck = std::function<bool()>;

  void push(const std::string& user, const std::string& key);  // whole value
  // Dirty chunks only.
  void push_partial(const std::string& user, const std::string& key, const StopCheck& stop = {});
  // Dirty chunks, and only the bytes where the mask value (another key) is non-zero.
  void push_partial_mask(const std::string& user, const std::string& key,
                         const std::string& mask_key, const StopCheck& stop = {});
  void pull(const std::string& user, const std::string& key);  // global -> local

  // Writes that reach both tiers: the global tier first, so a write the global tier refused
  // never shows locally; then the local segment, if there is one (or, with `create_local`,
  // a new one), so functions on this host read what was written.
  void put(const std::string& user, const std::string& key, const std::string& value,
           bool create_local = true);
  void put_range(const std::string& user, const std::string& key, size_t offset,
                 std::string_view data);
  void remove(const std::string& user, const std::string& key);

 private:
  using Key = std::pair<std::string, std::string>;
  struct Local {
    std::shared_ptr<StateSegment> segment;
    uint64_t last_use = 0;
  };
  std::shared_ptr<StateBudget> budget(const std::string& user);
  // Adds a segment and drops idle ones past the limits.
  std::shared_ptr<StateSegment>& insert_locked(const Key& key,
                                               std::shared_ptr<StateSegment> segment)
      REQUIRES(mutex_);
  void evict_locked(const std::string& user) REQUIRES(mutex_);
  // Drops the least recently used idle, clean segment (of `user` when not null); false when
  // there is none.
  bool evict_one_locked(const std::string* user) REQUIRES(mutex_);

  GlobalState& global_;
  GuestLocks guest_locks_;
  std::atomic<size_t> max_keys_per_call_{kDefaultMaxKeysPerCall};
  std::atomic<size_t> max_bytes_per_user_{kDefaultMaxBytesPerUser};
  mutable util::Mutex mutex_;
  std::map<Key, Local> segments_ GUARDED_BY(mutex_);
  std::map<std::string, size_t> segment_counts_ GUARDED_BY(mutex_);
  uint64_t uses_ GUARDED_BY(mutex_) = 0;
  size_t max_segments_ GUARDED_BY(mutex_) = kDefaultMaxSegments;
  size_t max_segments_per_user_ GUARDED_BY(mutex_) = kDefaultMaxSegmentsPerUser;
  std::map<std::string, std::shared_ptr<StateBudget>> budgets_ GUARDED_BY(mutex_);
  // Counts writes through this tier (by a hash of user and key), so a segment filled from a
  // global value that such a write replaced meanwhile is filled again (see segment()).
  static constexpr size_t kWriteSlots = 64;
  static size_t write_slot(const std::string& user, const std::string& key);
  std::array<uint64_t, kWriteSlots> writes_ GUARDED_BY(mutex_){};
};

// The global tier as clients outside functions (HTTP `/s`, the runtime's API) see it: reads go
// to the global tier, writes go through StateTier so this host's local segments follow them.
class WriteThroughState final : public GlobalState {
 public:
  explicit WriteThroughState(StateTier& tier) : tier_(tier), global_(tier.global()) {}

  std::optional<std::string> get(const std::string& user, const std::string& key) override {
    return global_.get(user, key);
  }
  void put(const std::string& user, const std::string& key, std::string value) override {
    tier_.put(user, key, value, /*create_local=*/false);
  }
  size_t size(const std::string& user, const std::string& key) override {
    return global_.size(user, key);
  }
  void remove(const std::string& user, const std::string& key) override { tier_.remove(user, key); }
  std::vector<KeyInfo> list(const std::string& user, size_t limit) override {
    return global_.list(user, limit);
  }
  std::string get_range(const std::string& user, const std::string& key, size_t offset,
                        size_t length) override {
    return global_.get_range(user, key, offset, length);
  }
  void put_range(const std::string& user, const std::string& key, size_t offset,
                 std::string_view data) override {
    tier_.put_range(user, key, offset, data);
  }
  void append(const std::string& user, const std::string& key, std::string_view data) override {
    global_.append(user, key, data);
  }
  std::vector<std::string> read_appended(const std::string& user, const std::string& key,
                                         size_t count) override {
    return global_.read_appended(user, key, count);
  }
  void clear_appended(const std::string& user, const std::string& key) override {
    global_.clear_appended(user, key);
  }
  bool try_lock(const std::string& user, const std::string& key, LockMode mode,
                const std::string& owner, std::chrono::milliseconds ttl) override {
    return global_.try_lock(user, key, mode, owner, ttl);
  }
  void unlock(const std::string& user, const std::string& key, LockMode mode,
              const std::string& owner) override {
    global_.unlock(user, key, mode, owner);
  }
  bool renew(const std::string& user, const std::string& key, LockMode mode,
             const std::string& owner, std::chrono::milliseconds ttl) override {
    return global_.renew(user, key, mode, owner, ttl);
  }
  bool shared_across_hosts() const override { return global_.shared_across_hosts(); }

 private:
  StateTier& tier_;
  GlobalState& global_;
};

}  // namespace wasmlet::state
