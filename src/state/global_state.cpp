#include "state/global_state.h"

namespace wasmlet::state {

std::optional<std::string> InMemoryState::get(const std::string& user, const std::string& key) {
  std::lock_guard lock(mutex_);
  auto it = values_.find({user, key});
  if (it == values_.end()) return std::nullopt;
  return it->second;
}

void InMemoryState::put(const std::string& user, const std::string& key, std::string value) {
  std::lock_guard lock(mutex_);
  values_[{user, key}] = std::move(value);
}

}  // namespace wasmlet::state
