#include "host/state_binding.h"

#include <fmt/format.h>

namespace wasmlet::host {

void StateBinding::touch(const std::string& key) {
  if (touched_.contains(key)) return;
  if (touched_.size() >= tier_.max_keys_per_call()) {
    throw Error(
        fmt::format("a call may touch at most {} distinct state keys", tier_.max_keys_per_call()));
  }
  touched_.insert(key);
}

bool StateBinding::release(const state::StateSegment* segment, bool write) {
  for (auto it = held_.rbegin(); it != held_.rend(); ++it) {
    if (it->segment.get() != segment || it->write != write) continue;
    if (write) {
      it->segment->guest_lock().unlock();
    } else {
      it->segment->guest_lock().unlock_shared();
    }
    held_.erase(std::next(it).base());
    return true;
  }
  return false;
}

void StateBinding::release_all() {
  for (auto& h : held_) {
    if (h.write) {
      h.segment->guest_lock().unlock();
    } else {
      h.segment->guest_lock().unlock_shared();
    }
  }
  held_.clear();
}

}  // namespace wasmlet::host
