#include "state/guest_locks.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <random>
#include <vector>

#include "state/state_tier.h"

namespace wasmlet::state {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// How long one wait for the local lock lasts before the stop check runs again.
constexpr milliseconds kLocalSlice{10};
// Polls of a global lock held elsewhere back off from 1 ms up to this.
constexpr milliseconds kMaxGlobalPoll{8};

std::string make_host_id() {
  char name[256] = {};
  if (gethostname(name, sizeof name - 1) != 0) name[0] = '\0';
  // Host name and pid say where a lock is held; the random part keeps two tiers in one
  // process (and a restarted process that reused a pid) apart.
  std::random_device random;
  uint64_t nonce = (uint64_t{random()} << 32) | random();
  return fmt::format("{}:{}:{:016x}", name, getpid(), nonce);
}

const char* mode_name(LockMode mode) { return mode == LockMode::Read ? "read" : "write"; }

}  // namespace

// Owns one held guest lock's share of the per-call count and, when taken, its global lock.
class GuestLocks::Lease {
 public:
  Lease(GuestLocks& locks, const void* call) : locks_(locks), call_(call) {}
  Lease(const Lease&) = delete;
  Lease& operator=(const Lease&) = delete;
  ~Lease() { locks_.remove(call_, id_); }
  void set_global(uint64_t id) { id_ = id; }

 private:
  GuestLocks& locks_;
  const void* call_;
  uint64_t id_ = 0;  // the global lock's entry in leases_; 0 when none was taken
};

GuestLocks::GuestLocks(GlobalState& global) : global_(global), host_id_(make_host_id()) {}

GuestLocks::~GuestLocks() {
  std::thread renewer;
  {
    util::MutexLock lock(mutex_);
    stopping_ = true;
    renewer = std::move(renewer_);
  }
  wake_.notify_all();
  if (renewer.joinable()) renewer.join();
}

void GuestLocks::set_ttl(milliseconds ttl) {
  {
    util::MutexLock lock(mutex_);
    ttl_ = std::max(ttl, milliseconds(3));
  }
  wake_.notify_all();
}

std::shared_ptr<StateSegment> GuestLocks::acquire(const void* call, const std::string& user,
                                                  const std::string& key,
                                                  const std::shared_ptr<StateSegment>& segment,
                                                  LockMode mode, const StopCheck& stop) {
  {
    util::MutexLock lock(mutex_);
    Call& c = calls_[call];
    if (c.held >= kMaxPerCall) {
      throw Error(fmt::format("a call may hold at most {} state locks", kMaxPerCall));
    }
    ++c.held;
  }
  auto lease = std::make_shared<Lease>(*this, call);  // gives the count back if this fails

  auto stopped = [&] { return stop && stop(); };
  auto& local = segment->guest_lock();
  bool write = mode == LockMode::Write;
  // Wait in slices so a call whose deadline passes gives up instead of hanging in host code.
  while (!(write ? local.try_lock_for(kLocalSlice) : local.try_lock_shared_for(kLocalSlice))) {
    if (stopped()) throw Error("timed out waiting for a state lock");
  }
  if (!global_.shared_across_hosts()) return {lease, segment.get()};

  try {
    milliseconds ttl;
    uint64_t id = 0;
    {
      util::MutexLock lock(mutex_);
      ttl = ttl_;
      id = ++next_id_;
    }
    // Unique per holder: this host, then this acquisition.
    std::string owner = fmt::format("{}:{}", host_id_, id);
    milliseconds poll{1};
    for (;;) {
      auto sent = Clock::now();
      if (global_.try_lock(user, key, mode, owner, ttl)) {
        util::MutexLock lock(mutex_);
        leases_.emplace(id, Entry{user, key, owner, mode, call, sent, false});
        if (!renewer_.joinable()) renewer_ = std::thread([this] { renew_loop(); });
        break;
      }
      if (stopped()) throw Error("timed out waiting for a state lock held on another host");
      std::this_thread::sleep_for(poll);
      poll = std::min(poll * 2, kMaxGlobalPoll);
    }
    lease->set_global(id);
  } catch (...) {
    if (write) {
      local.unlock();
    } else {
      local.unlock_shared();
    }
    throw;
  }
  return {lease, segment.get()};
}

void GuestLocks::check(const void* call) {
  util::MutexLock lock(mutex_);
  auto it = calls_.find(call);
  if (it != calls_.end() && !it->second.lost.empty()) throw StateLockLost(it->second.lost);
}

size_t GuestLocks::held(const void* call) {
  util::MutexLock lock(mutex_);
  auto it = calls_.find(call);
  return it == calls_.end() ? 0 : it->second.held;
}

void GuestLocks::remove(const void* call, uint64_t id) {
  std::optional<Entry> entry;
  {
    util::MutexLock lock(mutex_);
    if (auto c = calls_.find(call); c != calls_.end() && --c->second.held == 0) calls_.erase(c);
    if (auto it = leases_.find(id); it != leases_.end()) {
      entry = std::move(it->second);
      leases_.erase(it);
    }
  }
  if (!entry) return;
  try {
    global_.unlock(entry->user, entry->key, entry->mode, entry->owner);
  } catch (const std::exception&) {
    // Runs from destructors (a call's end, a discarded Faaslet): the lock expires after its TTL.
  }
}

void GuestLocks::renew_loop() {
  util::UniqueLock lock(mutex_);
  while (!stopping_) {
    wake_.wait_for(lock, ttl_ / 3);
    if (stopping_) break;
    lock.unlock();
    renew_all();
    lock.lock();
  }
}

void GuestLocks::renew_all() {
  std::vector<std::pair<uint64_t, Entry>> due;
  milliseconds ttl;
  {
    util::MutexLock lock(mutex_);
    ttl = ttl_;
    for (const auto& [id, entry] : leases_) {
      if (!entry.lost) due.emplace_back(id, entry);
    }
  }
  // Outside the mutex: each renewal is a round trip, and acquisitions must not wait for it.
  for (auto& [id, entry] : due) {
    auto sent = Clock::now();
    bool renewed = false;
    std::string failure;
    try {
      renewed = global_.renew(entry.user, entry.key, entry.mode, entry.owner, ttl);
    } catch (const StateUnavailable& e) {
      failure = e.what();
    }
    util::MutexLock lock(mutex_);
    auto it = leases_.find(id);
    if (it == leases_.end()) continue;  // released meanwhile
    if (renewed) {
      it->second.confirmed = sent;
      continue;
    }
    // An unreachable tier is tried again next round until the lock may have expired.
    if (!failure.empty() && Clock::now() - it->second.confirmed < ttl) continue;
    it->second.lost = true;
    auto c = calls_.find(it->second.call);
    if (c == calls_.end() || !c->second.lost.empty()) continue;
    c->second.lost = fmt::format(
        "the {} lock on state key {} expired while this call held it ({})", mode_name(entry.mode),
        entry.key,
        failure.empty() ? "another holder may have taken it" : "renewing it failed: " + failure);
  }
}

}  // namespace wasmlet::state
