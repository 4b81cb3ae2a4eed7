#pragma once
// The global state tier: byte values by user and key, shared by every function of a user
// (and, with the Redis backend, by every host). Two real backends implement it: in-process
// memory (the embedded default, one host) and Redis (several hosts).
#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "util/error.h"
#include "util/mutex.h"

namespace wasmlet::state {

// The backend could not be reached or answered with an error; the message says which.
class StateUnavailable : public Error {
 public:
  using Error::Error;
};

// A write would take a user past the bytes its values may hold; nothing was written.
class StateQuotaExceeded : public Error {
 public:
  using Error::Error;
};

enum class LockMode { Read, Write };

// A key holding a value, as listed for a user (appended elements are not listed).
struct KeyInfo {
  std::string key;
  size_t bytes = 0;
  bool operator==(const KeyInfo&) const = default;
};

class GlobalState {
 public:
  virtual ~GlobalState() = default;

  // Whole values. get of a missing key: nullopt; size of a missing key: 0.
  virtual std::optional<std::string> get(const std::string& user, const std::string& key) = 0;
  virtual void put(const std::string& user, const std::string& key, std::string value) = 0;
  virtual size_t size(const std::string& user, const std::string& key) = 0;
  virtual void remove(const std::string& user, const std::string& key) = 0;
  // Up to `limit` of the user's keys that hold a value, in no promised order.
  virtual std::vector<KeyInfo> list(const std::string& user, size_t limit) = 0;

  // Byte ranges: reading past the end gives fewer bytes; writing past the end zero-fills the gap.
  virtual std::string get_range(const std::string& user, const std::string& key, size_t offset,
                                size_t length) = 0;
  virtual void put_range(const std::string& user, const std::string& key, size_t offset,
                         std::string_view data) = 0;

  // An append-only list of elements per key, separate from the key's value.
  virtual void append(const std::string& user, const std::string& key,
                      std::string_view element) = 0;
  virtual std::vector<std::string> read_appended(const std::string& user, const std::string& key,
                                                 size_t count) = 0;
  virtual void clear_appended(const std::string& user, const std::string& key) = 0;

  // Locks with an expiry, so a holder that crashed cannot block others forever: any number of
  // readers or one writer. try_lock returns false when the lock is held incompatibly.
  virtual bool try_lock(const std::string& user, const std::string& key, LockMode mode,
                        const std::string& owner, std::chrono::milliseconds ttl) = 0;
  virtual void unlock(const std::string& user, const std::string& key, LockMode mode,
                      const std::string& owner) = 0;
  // Extends a lock `owner` holds to `ttl` from now. False, taking nothing, when `owner` holds
  // it no longer (released, or expired): a renewal racing an unlock must not take it again.
  virtual bool renew(const std::string& user, const std::string& key, LockMode mode,
                     const std::string& owner, std::chrono::milliseconds ttl) = 0;
  // True when other hosts share this tier, so a guest's lock must hold there too.
  virtual bool shared_across_hosts() const { return false; }
};

// Values and appended elements count against a per-user byte limit (StateQuotaExceeded), so
// that one user (a client's PUTs, a guest's writes) cannot take the host's memory. Each counts
// with what it takes beyond its bytes, so that empty ones are not free: 20 million empty
// appends took 625 MiB when only bytes counted.
class InMemoryState final : public GlobalState {
 public:
  static constexpr size_t kDefaultMaxBytesPerUser = size_t{1} << 30;
  // A value's map node and key string (its key's bytes count too), an appended element's string
  // and its share of the list's spare room.
  static constexpr size_t kValueOverhead = 96;
  static constexpr size_t kElementOverhead = 64;
  // The limit for `user`, asked at each write that grows the user's bytes.
  using UserLimit = std::function<size_t(const std::string& user)>;
  explicit InMemoryState(UserLimit limit = {});
  size_t bytes_used(const std::string& user);

  std::optional<std::string> get(const std::string& user, const std::string& key) override;
  void put(const std::string& user, const std::string& key, std::string value) override;
  size_t size(const std::string& user, const std::string& key) override;
  void remove(const std::string& user, const std::string& key) override;
  std::vector<KeyInfo> list(const std::string& user, size_t limit) override;
  std::string get_range(const std::string& user, const std::string& key, size_t offset,
                        size_t length) override;
  void put_range(const std::string& user, const std::string& key, size_t offset,
                 std::string_view data) override;
  void append(const std::string& user, const std::string& key, std::string_view element) override;
  std::vector<std::string> read_appended(const std::string& user, const std::string& key,
                                         size_t count) override;
  void clear_appended(const std::string& user, const std::string& key) override;
  bool try_lock(const std::string& user, const std::string& key, LockMode mode,
                const std::string& owner, std::chrono::milliseconds ttl) override;
  void unlock(const std::string& user, const std::string& key, LockMode mode,
              const std::string& owner) override;
  bool renew(const std::string& user, const std::string& key, LockMode mode,
             const std::string& owner, std::chrono::milliseconds ttl) override;

 private:
  using Key = std::pair<std::string, std::string>;
  struct Lock {
    std::map<std::string, std::chrono::steady_clock::time_point> readers;  // owner -> expiry
    std::string writer;
    std::chrono::steady_clock::time_point writer_expiry;
  };
  void expire_locked(Lock& lock) REQUIRES(mutex_);
  // Accounts a change of `user`'s bytes from `before` to `after`; throws before a growth that
  // would pass the limit.
  void resize_locked(const std::string& user, size_t before, size_t after) REQUIRES(mutex_);
  void clear_appended_locked(const std::string& user, const std::string& key) REQUIRES(mutex_);

  UserLimit limit_;
  util::Mutex mutex_;
  std::map<std::string, size_t> bytes_ GUARDED_BY(mutex_);
  std::map<Key, std::string> values_ GUARDED_BY(mutex_);
  std::map<Key, std::vector<std::string>> appended_ GUARDED_BY(mutex_);
  std::map<Key, Lock> locks_ GUARDED_BY(mutex_);
};

}  // namespace wasmlet::state
