#pragma once
// The locks guests take on state keys (__faasm_lock_state_read/write). Each takes the key's
// local segment lock, which excludes this host's Faaslets, and, when the global tier is shared
// by several hosts (Redis), that tier's lock too, so Faaslets on different hosts exclude each
// other. A global lock carries a TTL, so a host that dies holding one blocks others for at most
// that long; while held, one thread per host renews it.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "state/global_state.h"
#include "util/mutex.h"

namespace wasmlet::state {

class StateSegment;

// A guest lock lost while held (its TTL passed without a renewal reaching the global tier):
// another host may have taken it, so what the call did under it is not protected.
class StateLockLost : public Error {
 public:
  using Error::Error;
};

class GuestLocks {
 public:
  static constexpr std::chrono::milliseconds kDefaultTtl{10000};
  // Locks one call may hold at once (each is a lease renewed by this host).
  static constexpr size_t kMaxPerCall = 256;
  // true: give up waiting (the call's deadline passed).
  using StopCheck = std::function<bool()>;

  explicit GuestLocks(GlobalState& global);
  ~GuestLocks();
  GuestLocks(const GuestLocks&) = delete;
  GuestLocks& operator=(const GuestLocks&) = delete;

  // The TTL of global locks taken from now on; they are renewed every third of it.
  void set_ttl(std::chrono::milliseconds ttl);
  // This host's part of every owner token (unique per GuestLocks instance).
  const std::string& host_id() const { return host_id_; }

  // Takes `segment`'s guest lock for `call` (any address that names the calling guest's call
  // while it runs), and the global lock on user/key when the tier is shared, waiting in slices
  // until `stop` says to give up. Returns `segment` in a pointer that also owns the global
  // lease: dropping the last copy releases the global lock (the caller unlocks the segment's
  // guest_lock() itself). Throws past kMaxPerCall locks per call, or when stopped.
  std::shared_ptr<StateSegment> acquire(const void* call, const std::string& user,
                                        const std::string& key,
                                        const std::shared_ptr<StateSegment>& segment, LockMode mode,
                                        const StopCheck& stop);
  // Throws StateLockLost when a lock `call` holds was lost.
  void check(const void* call);
  // Locks held by `call`.
  size_t held(const void* call);

 private:
  class Lease;
  struct Entry {
    std::string user, key, owner;
    LockMode mode;
    const void* call;
    // When the last successful acquisition or renewal was sent: the lock lasts at least ttl
    // from then (the server's clock starts it later).
    std::chrono::steady_clock::time_point confirmed;
    bool lost = false;  // no longer renewed
  };
  struct Call {
    size_t held = 0;
    std::string lost;  // why a lock of this call was lost; empty while none was
  };

  // Gives back one of `call`'s locks and releases global lock `id` (0: none).
  void remove(const void* call, uint64_t id);
  void renew_loop();
  void renew_all();

  GlobalState& global_;
  const std::string host_id_;
  util::Mutex mutex_;
  util::CondVar wake_;
  std::chrono::milliseconds ttl_ GUARDED_BY(mutex_) = kDefaultTtl;
  uint64_t next_id_ GUARDED_BY(mutex_) = 0;
  std::map<uint64_t, Entry> leases_ GUARDED_BY(mutex_);  // global locks held, by id
  std::map<const void*, Call> calls_ GUARDED_BY(mutex_);
  bool stopping_ GUARDED_BY(mutex_) = false;
  std::thread renewer_ GUARDED_BY(mutex_);  // started with the first global lock
};

}  // namespace wasmlet::state
