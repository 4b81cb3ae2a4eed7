#pragma once
// The two-tier state a host offers its functions. The local tier keeps one shared-memory
// segment per user and key on this host; Faaslets map it into their linear memory, so they see
// each other's writes through plain loads and stores. The global tier (GlobalState: in-process
// or Redis) is where values live across hosts; push and pull move bytes between the tiers,
// whole or by dirty chunks.
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "state/global_state.h"
#include "util/files.h"

namespace wasmlet::state {

// One key's local copy: a memfd mapped once into the host. Its size only grows.
class StateSegment {
 public:
  static constexpr size_t kChunk = 4096;  // granularity of dirty tracking

  explicit StateSegment(size_t size);
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
  void replace(std::string_view value);  // sets size (grows only) and contents

  void mark_dirty(size_t offset, size_t length);
  // Dirty chunks as (offset, length) runs, clearing them.
  std::vector<std::pair<size_t, size_t>> take_dirty();

  // The guest-visible read/write lock on this key (timed, so a waiting guest can give up
  // when its deadline passes).
  std::shared_timed_mutex& guest_lock() { return guest_lock_; }

 private:
  void remap_locked(size_t bytes);

  mutable std::mutex mutex_;
  util::UniqueFd fd_;
  uint8_t* data_ = nullptr;
  size_t size_ = 0;
  size_t mapped_ = 0;
  std::vector<bool> dirty_;
  std::shared_timed_mutex guest_lock_;
};

class StateTier {
 public:
  explicit StateTier(GlobalState& global) : global_(global) {}

  GlobalState& global() { return global_; }

  // The local segment of a key, created (and filled from the global tier) on first use. A
  // created segment has at least `min_size` bytes.
  std::shared_ptr<StateSegment> segment(const std::string& user, const std::string& key,
                                        size_t min_size = 0);
  // True when the key has a local segment already.
  bool has_local(const std::string& user, const std::string& key) const;

  void push(const std::string& user, const std::string& key);          // whole value
  void push_partial(const std::string& user, const std::string& key);  // dirty chunks only
  // Dirty chunks, and only the bytes where the mask value (another key) is non-zero.
  void push_partial_mask(const std::string& user, const std::string& key,
                         const std::string& mask_key);
  void pull(const std::string& user, const std::string& key);  // global -> local

 private:
  using Key = std::pair<std::string, std::string>;
  GlobalState& global_;
  mutable std::mutex mutex_;
  std::map<Key, std::shared_ptr<StateSegment>> segments_;
};

}  // namespace wasmlet::state
