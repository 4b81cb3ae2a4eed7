#include "state/global_state.h"

namespace wasmlet::state {

using Clock = std::chrono::steady_clock;

std::optional<std::string> InMemoryState::get(const std::string& user, const std::string& key) {
  util::MutexLock lock(mutex_);
  auto it = values_.find({user, key});
  if (it == values_.end()) return std::nullopt;
  return it->second;
}

void InMemoryState::put(const std::string& user, const std::string& key, std::string value) {
  util::MutexLock lock(mutex_);
  values_[{user, key}] = std::move(value);
}

size_t InMemoryState::size(const std::string& user, const std::string& key) {
  util::MutexLock lock(mutex_);
  auto it = values_.find({user, key});
  return it == values_.end() ? 0 : it->second.size();
}

void InMemoryState::remove(const std::string& user, const std::string& key) {
  util::MutexLock lock(mutex_);
  values_.erase({user, key});
  appended_.erase({user, key});
}

std::string InMemoryState::get_range(const std::string& user, const std::string& key, size_t offset,
                                     size_t length) {
  util::MutexLock lock(mutex_);
  auto it = values_.find({user, key});
  if (it == values_.end() || offset >= it->second.size()) return {};
  return it->second.substr(offset, length);
}

void InMemoryState::put_range(const std::string& user, const std::string& key, size_t offset,
                              std::string_view data) {
  util::MutexLock lock(mutex_);
  std::string& value = values_[{user, key}];
  if (value.size() < offset + data.size()) value.resize(offset + data.size(), '\0');
  value.replace(offset, data.size(), data);
}

void InMemoryState::append(const std::string& user, const std::string& key,
                           std::string_view element) {
  util::MutexLock lock(mutex_);
  appended_[{user, key}].emplace_back(element);
}

std::vector<std::string> InMemoryState::read_appended(const std::string& user,
                                                      const std::string& key, size_t count) {
  util::MutexLock lock(mutex_);
  auto it = appended_.find({user, key});
  if (it == appended_.end()) return {};
  size_t n = std::min(count, it->second.size());
  return {it->second.begin(), it->second.begin() + static_cast<std::ptrdiff_t>(n)};
}

void InMemoryState::clear_appended(const std::string& user, const std::string& key) {
  util::MutexLock lock(mutex_);
  appended_.erase({user, key});
}

void InMemoryState::expire_locked(Lock& lock) {
  auto now = Clock::now();
  std::erase_if(lock.readers, [&](const auto& r) { return r.second <= now; });
  if (!lock.writer.empty() && lock.writer_expiry <= now) lock.writer.clear();
}

bool InMemoryState::try_lock(const std::string& user, const std::string& key, LockMode mode,
                             const std::string& owner, std::chrono::milliseconds ttl) {
  util::MutexLock guard(mutex_);
  Lock& lock = locks_[{user, key}];
  expire_locked(lock);
  auto expiry = Clock::now() + ttl;
  if (mode == LockMode::Read) {
    if (!lock.writer.empty() && lock.writer != owner) return false;
    lock.readers[owner] = expiry;
    return true;
  }
  bool others_read = lock.readers.size() > (lock.readers.contains(owner) ? 1u : 0u);
  if ((!lock.writer.empty() && lock.writer != owner) || others_read) return false;
  lock.writer = owner;
  lock.writer_expiry = expiry;
  return true;
}

void InMemoryState::unlock(const std::string& user, const std::string& key, LockMode mode,
                           const std::string& owner) {
  util::MutexLock guard(mutex_);
  auto it = locks_.find({user, key});
  if (it == locks_.end()) return;
  if (mode == LockMode::Read) {
    it->second.readers.erase(owner);
  } else if (it->second.writer == owner) {
    it->second.writer.clear();
  }
  if (it->second.readers.empty() && it->second.writer.empty()) locks_.erase(it);
}

}  // namespace wasmlet::state
