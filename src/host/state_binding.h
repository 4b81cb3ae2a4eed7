#pragma once
// A guest's view of the state tier during its calls: whose keys it sees (its user), where it
// mapped which segment, and which locks it holds. Reset between calls: mappings vanish with
// the Faaslet's reset, and locks a call forgot (or could not release because it trapped) are
// released here.
#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "state/state_tier.h"

namespace wasmlet::host {

class StateBinding {
 public:
  StateBinding(state::StateTier& tier, std::string user) : tier_(tier), user_(std::move(user)) {}
  StateBinding(const StateBinding&) = delete;
  StateBinding& operator=(const StateBinding&) = delete;
  ~StateBinding() { release_all(); }

  state::StateTier& tier() { return tier_; }
  const std::string& user() const { return user_; }

  struct Mapping {
    uint32_t address;
    size_t length;
    // Held while mapped: the tier must not drop a segment a guest can still write through.
    std::shared_ptr<state::StateSegment> segment;
  };
  bool mapped_any() const { return !mappings_.empty(); }
  std::map<std::string, Mapping>& mappings() { return mappings_; }

  void hold(std::shared_ptr<state::StateSegment> segment, bool write) {
    held_.push_back({std::move(segment), write});
  }
  // Releases the most recent hold of this kind on the segment; false when there is none.
  bool release(const state::StateSegment* segment, bool write);
  void release_all();
  // Counts `key` as touched by this call; throws once the call touches more distinct keys than
  // the tier allows, so one call cannot make the host create unbounded segments.
  void touch(const std::string& key);
  void reset() {
    release_all();
    mappings_.clear();
    touched_.clear();
  }

 private:
  struct Held {
    std::shared_ptr<state::StateSegment> segment;
    bool write;
  };
  state::StateTier& tier_;
  std::string user_;
  std::map<std::string, Mapping> mappings_;
  std::vector<Held> held_;
  std::set<std::string> touched_;
};

}  // namespace wasmlet::host
