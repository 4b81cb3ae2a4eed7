#include "host/state_binding.h"

namespace wasmlet::host {

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
