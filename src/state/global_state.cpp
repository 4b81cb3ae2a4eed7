#include "state/global_state.h"

#include <fmt/format.h>

#include <algorithm>
#include <numeric>

namespace wasmlet::state {

using Clock = std::chrono::steady_clock;

namespace {

// What a value of `bytes` under `key` counts against its user's limit.
size_t value_cost(const std::string& key, size_t bytes) {
  return InMemoryState::kValueOverhead + key.size() + bytes;
}

}  // namespace

InMemoryState::InMemoryState(UserLimit limit) : limit_(std::move(limit)) {
  if (!limit_) limit_ = [](const std::string&) { return kDefaultMaxBytesPerUser; };
}

size_t InMemoryState::bytes_used(const std::string& user) {
  util::MutexLock lock(mutex_);
  auto it = bytes_.find(user);
  return it == bytes_.end() ? 0 : it->second;
}

void InMemoryState::resize_locked(const std::string& user, size_t before, size_t after) {
  size_t& used = bytes_[user];
  if (after > before) {
    const size_t limit = limit_(user);
    if (after - before > limit || used > limit - (after - before)) {
      throw StateQuotaExceeded(
          fmt::format("state of user {} would hold {} bytes, past its limit of {}", user,
                      used + (after - before), limit));
    }
  }
  used = used - before + after;
  if (used == 0) bytes_.erase(user);
}

std::optional<std::string> InMemoryState::get(const std::string& user, const std::string& key) {
  util::MutexLock lock(mutex_);
  auto it = values_.find({user, key});
  if (it == values_.end()) return std::nullopt;
  return it->second;
}

void InMemoryState::put(const std::string& user, const std::string& key, std::string value) {
  util::MutexLock lock(mutex_);
  auto it = values_.find({user, key});
  resize_locked(user, it == values_.end() ? 0 : value_cost(key, it->second.size()),
                value_cost(key, value.size()));
  values_[{user, key}] = std::move(value);
}

size_t InMemoryState::size(const std::string& user, const std::string& key) {
  util::MutexLock lock(mutex_);
  auto it = values_.find({user, key});
  return it == values_.end() ? 0 : it->second.size();
}

std::vector<KeyInfo> InMemoryState::list(const std::string& user, size_t limit) {
  util::MutexLock lock(mutex_);
  std::vector<KeyInfo> keys;
  for (auto it = values_.lower_bound({user, std::string()});
       it != values_.end() && it->first.first == user && keys.size() < limit; ++it) {
    keys.push_back({it->first.second, it->second.size()});
  }
  return keys;
}

void InMemoryState::remove(const std::string& user, const std::string& key) {
  util::MutexLock lock(mutex_);
  clear_appended_locked(user, key);
  auto it = values_.find({user, key});
  if (it == values_.end()) return;
  resize_locked(user, value_cost(key, it->second.size()), 0);
  values_.erase(it);
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
  auto it = values_.find({user, key});
  const size_t before = it == values_.end() ? 0 : value_cost(key, it->second.size());
  const size_t after =
      value_cost(key, std::max(offset + data.size(), it == values_.end() ? 0 : it->second.size()));
  if (before < after) resize_locked(user, before, after);
  std::string& value = values_[{user, key}];
  if (value.size() < offset + data.size()) value.resize(offset + data.size(), '\0');
  value.replace(offset, data.size(), data);
}

void InMemoryState::append(const std::string& user, const std::string& key,
                           std::string_view element) {
  util::MutexLock lock(mutex_);
  resize_locked(user, 0, kElementOverhead + element.size());
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
  clear_appended_locked(user, key);
}

void InMemoryState::clear_appended_locked(const std::string& user, const std::string& key) {
  auto it = appended_.find({user, key});
  if (it == appended_.end()) return;
  size_t bytes = std::accumulate(
      it->second.begin(), it->second.end(), size_t{0},
      [](size_t n, const std::string& e) { return n + kElementOverhead + e.size(); });
  resize_locked(user, bytes, 0);
  appended_.erase(it);
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

bool InMemoryState::renew(const std::string& user, const std::string& key, LockMode mode,
                          const std::string& owner, std::chrono::milliseconds ttl) {
  util::MutexLock guard(mutex_);
  auto it = locks_.find({user, key});
  if (it == locks_.end()) return false;
  Lock& lock = it->second;
  expire_locked(lock);
  auto expiry = Clock::now() + ttl;
  if (mode == LockMode::Read) {
    auto reader = lock.readers.find(owner);
    if (reader == lock.readers.end()) return false;
    reader->second = expiry;
    return true;
  }
  if (lock.writer.empty() || lock.writer != owner) return false;
  lock.writer_expiry = expiry;
  return true;
}

}  // namespace wasmlet::state
