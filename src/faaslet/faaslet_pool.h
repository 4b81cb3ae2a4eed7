#pragma once
// The ready Faaslets of one function: calls take an idle one (or make one) and give it back
// afterwards, so restores are reused across calls and threads. A call takes the one returned
// last, or one of the few returned before it that last ran on the calling thread. At most
// `max_idle` wait idle; the rest are destroyed when returned.
#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "faaslet/faaslet.h"
#include "util/mutex.h"

namespace wasmlet::faaslet {

class CgroupManager;

// Whose CPU share a pool's calls run under (see cgroup.h).
struct TenantPlacement {
  CgroupManager* cgroups = nullptr;  // null: no placement
  std::string tenant;
  uint32_t cpu_weight = 100;
};

class FaasletPool;

// A Faaslet whose call is over and whose reset is still to do: finishing it resets the Faaslet
// and gives it back to its pool. Its holder chooses when, and on which thread: after the call's
// result has been handed on, or by a thread with nothing else to do. Destroyed unfinished, it
// finishes then.
class PendingReset {
 public:
  PendingReset() = default;
  PendingReset(PendingReset&&) noexcept = default;
  PendingReset& operator=(PendingReset&& other) noexcept;
  PendingReset(const PendingReset&) = delete;
  PendingReset& operator=(const PendingReset&) = delete;
  ~PendingReset() { finish(); }

  explicit operator bool() const { return faaslet_ != nullptr; }
  // How long the Faaslet's previous reset took: about what this one will.
  std::chrono::nanoseconds expected_time() const;
  // `placed`: first move the thread into the pool's tenant's cgroup, so that a thread that
  // serves every tenant does not charge this one's reset to whichever it ran last.
  void finish(bool placed = false) noexcept;

 private:
  friend class FaasletPool;
  PendingReset(std::shared_ptr<FaasletPool> pool, std::unique_ptr<Faaslet> faaslet)
      : pool_(std::move(pool)), faaslet_(std::move(faaslet)) {}

  std::shared_ptr<FaasletPool> pool_;
  std::unique_ptr<Faaslet> faaslet_;
};

class FaasletPool : public std::enable_shared_from_this<FaasletPool> {
 public:
  FaasletPool(std::shared_ptr<const ProtoFaaslet> proto, size_t max_idle,
              TenantPlacement placement = {});
  FaasletPool(const FaasletPool&) = delete;
  FaasletPool& operator=(const FaasletPool&) = delete;

  // Runs a call on an idle Faaslet (or a new one) and resets it. With `later`, and when this
  // pool is owned by a shared_ptr, the reset is left to `later` instead (see PendingReset);
  // a call that left its Faaslet not reusable leaves nothing there.
  CallResult call(std::string input, const EntryPoint& entry = EntryPoint::main(),
                  const CallOptions& options = {}, PendingReset* later = nullptr);

  size_t idle() const;
  // The threads the idle Faaslets last ran on (util::this_thread_serial), in the order they
  // were returned.
  std::vector<uint64_t> idle_threads() const;
  size_t created() const;
  const std::shared_ptr<const ProtoFaaslet>& proto() const { return proto_; }

 private:
  // An idle Faaslet, or a new one (`fresh` set) restored from the snapshot.
  friend class PendingReset;
  std::unique_ptr<Faaslet> acquire(bool& fresh);
  void release(std::unique_ptr<Faaslet> faaslet);
  void place_thread() const;

  std::shared_ptr<const ProtoFaaslet> proto_;
  size_t max_idle_;
  TenantPlacement placement_;
  mutable util::Mutex mutex_;
  std::vector<std::unique_ptr<Faaslet>> idle_ GUARDED_BY(mutex_);
  size_t created_ GUARDED_BY(mutex_) = 0;
};

}  // namespace wasmlet::faaslet
