#include "state/state_tier.h"

#include <fmt/format.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace wasmlet::state {
namespace {

size_t round_up(size_t n, size_t to) { return (n + to - 1) / to * to; }

void check_stop(const StateTier::StopCheck& stop) {
  if (stop && stop()) throw Error("the call's time limit passed while pushing state");
}

template <size_t N>
size_t slot_of(const std::string& user, const std::string& key) {
  return (std::hash<std::string>{}(user)*31 + std::hash<std::string>{}(key)) % N;
}

// Values are bounded so that a guest's request can never make the host map absurd sizes.
constexpr size_t kMaxValue = size_t{1} << 32;

}  // namespace

void StateBudget::charge(size_t bytes) {
  size_t used = used_.load();
  const size_t limit = limit_.load();
  do {
    if (bytes > limit || used > limit - bytes) {
      throw Error(fmt::format(
          "state of user {} would take {} bytes of this host's memory, past its limit of {}", user_,
          used + bytes, limit));
    }
  } while (!used_.compare_exchange_weak(used, used + bytes));
}

StateSegment::StateSegment(size_t size, std::shared_ptr<StateBudget> budget)
    : budget_(std::move(budget)), fd_(memfd_create("wasmlet-state", MFD_CLOEXEC)) {
  if (!fd_) throw Error(fmt::format("memfd_create: {}", std::strerror(errno)));
  util::MutexLock lock(mutex_);
  remap_locked(size);
  size_ = size;
}

StateSegment::~StateSegment() {
  if (data_ != nullptr) munmap(data_, mapped_);
  if (budget_) budget_->release(mapped_);
}

size_t StateSegment::size() const {
  util::MutexLock lock(mutex_);
  return size_;
}

void StateSegment::remap_locked(size_t bytes) {
  if (bytes > kMaxValue) throw Error(fmt::format("state value of {} bytes is too large", bytes));
  size_t want = round_up(std::max<size_t>(bytes, 1), kChunk);
  if (want > mapped_) {
    const size_t growth = want - mapped_;
    if (budget_) budget_->charge(growth);
    auto refund = [&] {
      if (budget_) budget_->release(growth);
    };
    if (ftruncate(fd_.get(), static_cast<off_t>(want)) != 0) {
      refund();
      throw Error(fmt::format("cannot grow a state segment: {}", std::strerror(errno)));
    }
    void* p = data_ == nullptr
                  ? mmap(nullptr, want, PROT_READ | PROT_WRITE, MAP_SHARED, fd_.get(), 0)
                  : mremap(data_, mapped_, want, MREMAP_MAYMOVE);
    if (p == MAP_FAILED) {
      refund();
      throw Error(fmt::format("cannot map a state segment: {}", std::strerror(errno)));
    }
    data_ = static_cast<uint8_t*>(p);
    mapped_ = want;
    dirty_.resize(want / kChunk, false);
  }
}

void StateSegment::ensure_size(size_t size) {
  util::MutexLock lock(mutex_);
  if (size > size_) {
    remap_locked(size);
    size_ = size;
  }
}

void StateSegment::ensure_backing(size_t bytes) {
  util::MutexLock lock(mutex_);
  remap_locked(bytes);
}

void StateSegment::write(size_t offset, std::string_view data) {
  util::MutexLock lock(mutex_);
  if (offset + data.size() > size_) {
    remap_locked(offset + data.size());
    size_ = offset + data.size();
  }
  // An empty view may hold a null pointer, which memcpy must not be given even for 0 bytes.
  if (!data.empty()) std::memcpy(data_ + offset, data.data(), data.size());
}

std::string StateSegment::read(size_t offset, size_t length) const {
  util::MutexLock lock(mutex_);
  if (offset >= size_) return {};
  length = std::min(length, size_ - offset);
  return {reinterpret_cast<const char*>(data_ + offset), length};
}

std::string StateSegment::read_all() const { return read(0, size()); }

void StateSegment::replace(std::string_view value) {
  util::MutexLock lock(mutex_);
  remap_locked(value.size());
  if (!value.empty()) std::memcpy(data_, value.data(), value.size());
  // Zero the old tail: a guest mapping still covers it and must not see the longer value.
  if (size_ > value.size()) std::memset(data_ + value.size(), 0, size_ - value.size());
  size_ = value.size();
  std::fill(dirty_.begin(), dirty_.end(), false);
}

bool StateSegment::clean() const {
  util::MutexLock lock(mutex_);
  return std::find(dirty_.begin(), dirty_.end(), true) == dirty_.end();
}

void StateSegment::mark_dirty(size_t offset, size_t length) {
  util::MutexLock lock(mutex_);
  if (length == 0) return;
  size_t end = std::min(offset + length, mapped_);
  for (size_t c = offset / kChunk; c * kChunk < end; ++c) dirty_[c] = true;
}

std::vector<std::pair<size_t, size_t>> StateSegment::take_dirty() {
  util::MutexLock lock(mutex_);
  std::vector<std::pair<size_t, size_t>> runs;
  for (size_t c = 0; c < dirty_.size(); ++c) {
    if (!dirty_[c]) continue;
    size_t start = c;
    while (c < dirty_.size() && dirty_[c]) dirty_[c++] = false;
    size_t begin = start * kChunk, end = std::min(c * kChunk, size_);
    if (end > begin) runs.emplace_back(begin, end - begin);
  }
  return runs;
}

void StateSegment::restore_dirty(const std::vector<std::pair<size_t, size_t>>& runs) {
  for (auto [offset, length] : runs) mark_dirty(offset, length);
}

std::shared_ptr<StateSegment> StateTier::segment(const std::string& user, const std::string& key,
                                                 size_t min_size) {
  for (;;) {
    uint64_t writes_before = 0;
    {
      util::MutexLock lock(mutex_);
      if (auto it = segments_.find({user, key}); it != segments_.end()) {
        it->second.last_use = ++uses_;
        it->second.segment->ensure_size(min_size);
        return it->second.segment;
      }
      writes_before = writes_[write_slot(user, key)];
    }
    // First use on this host: start from the global value (outside the lock: it may be
    // remote).
    std::optional<std::string> value = global_.get(user, key);
    auto created =
        std::make_shared<StateSegment>(std::max(min_size, value ? value->size() : 0), budget(user));
    if (value) created->write(0, *value);
    util::MutexLock lock(mutex_);
    // A write through this tier since the read may have found no local segment to update:
    // read again rather than cache a value it replaced.
    if (writes_[write_slot(user, key)] != writes_before) continue;
    std::shared_ptr<StateSegment>& segment = insert_locked(Key{user, key}, std::move(created));
    segment->ensure_size(min_size);
    return segment;
  }
}

size_t StateTier::write_slot(const std::string& user, const std::string& key) {
  return slot_of<kWriteSlots>(user, key);
}

std::shared_ptr<StateBudget> StateTier::budget(const std::string& user) {
  util::MutexLock lock(mutex_);
  auto& b = budgets_[user];
  if (!b) b = std::make_shared<StateBudget>(user, max_bytes_per_user_);
  return b;
}

void StateTier::set_user_max_bytes(const std::string& user, size_t n) {
  budget(user)->set_limit(n);
}

void StateTier::set_max_segments(size_t total, size_t per_user) {
  util::MutexLock lock(mutex_);
  max_segments_ = total;
  max_segments_per_user_ = per_user;
}

size_t StateTier::segment_count(const std::string& user) const {
  util::MutexLock lock(mutex_);
  auto it = segment_counts_.find(user);
  return it == segment_counts_.end() ? 0 : it->second;
}

std::shared_ptr<StateSegment>& StateTier::insert_locked(const Key& key,
                                                        std::shared_ptr<StateSegment> segment) {
  auto [it, added] = segments_.try_emplace(key, Local{std::move(segment), 0});
  it->second.last_use = ++uses_;
  if (added) {
    ++segment_counts_[key.first];
    std::shared_ptr<StateSegment> pinned = it->second.segment;  // never the one evicted
    evict_locked(key.first);
  }
  return it->second.segment;
}

void StateTier::evict_locked(const std::string& user) {
  while (segment_counts_[user] > max_segments_per_user_ && evict_one_locked(&user)) {
  }
  while (segments_.size() > max_segments_ && evict_one_locked(nullptr)) {
  }
}

bool StateTier::evict_one_locked(const std::string* user) {
  // Linear, but only when a segment is added past a limit.
  auto victim = segments_.end();
  auto first = user != nullptr ? segments_.lower_bound(Key{*user, {}}) : segments_.begin();
  for (auto it = first; it != segments_.end(); ++it) {
    if (user != nullptr && it->first.first != *user) break;
    // Held by a call (the map's reference is the only other), or holding unpushed writes.
    if (it->second.segment.use_count() > 1 || !it->second.segment->clean()) continue;
    if (victim == segments_.end() || it->second.last_use < victim->second.last_use) victim = it;
  }
  if (victim == segments_.end()) return false;
  if (--segment_counts_[victim->first.first] == 0) segment_counts_.erase(victim->first.first);
  segments_.erase(victim);
  return true;
}

size_t StateTier::bytes_used(const std::string& user) const {
  util::MutexLock lock(mutex_);
  auto it = budgets_.find(user);
  return it == budgets_.end() ? 0 : it->second->used();
}

void StateTier::put(const std::string& user, const std::string& key, const std::string& value,
                    bool create_local) {
  // Room in the local tier first: a write past the user's budget fails before it reaches the
  // global tier, so the two tiers never disagree over it.
  std::shared_ptr<StateSegment> created;
  if (has_local(user, key)) {
    segment(user, key)->ensure_backing(value.size());
  } else if (create_local) {
    created = std::make_shared<StateSegment>(value.size(), budget(user));
  }
  global_.put(user, key, value);
  util::MutexLock lock(mutex_);
  ++writes_[write_slot(user, key)];
  if (auto it = segments_.find({user, key}); it != segments_.end()) {
    it->second.segment->replace(value);
  } else if (created) {
    created->write(0, value);
    insert_locked(Key{user, key}, std::move(created));
  }
}

void StateTier::put_range(const std::string& user, const std::string& key, size_t offset,
                          std::string_view data) {
  if (has_local(user, key)) segment(user, key)->ensure_backing(offset + data.size());
  global_.put_range(user, key, offset, data);
  util::MutexLock lock(mutex_);
  ++writes_[write_slot(user, key)];
  if (auto it = segments_.find({user, key}); it != segments_.end()) {
    // Same semantics as the global tier: a gap up to `offset` is zero-filled.
    it->second.segment->ensure_size(offset);
    it->second.segment->write(offset, data);
  }
}

void StateTier::remove(const std::string& user, const std::string& key) {
  global_.remove(user, key);
  util::MutexLock lock(mutex_);
  ++writes_[write_slot(user, key)];
  if (auto it = segments_.find({user, key}); it != segments_.end()) {
    it->second.segment->replace({});
  }
}

bool StateTier::has_local(const std::string& user, const std::string& key) const {
  util::MutexLock lock(mutex_);
  return segments_.contains({user, key});
}

void StateTier::push(const std::string& user, const std::string& key) {
  auto seg = segment(user, key);
  auto runs = seg->take_dirty();
  try {
    global_.put(user, key, seg->read_all());
  } catch (...) {
    seg->restore_dirty(runs);  // not pushed: a later push must still send these bytes
    throw;
  }
}

void StateTier::push_partial(const std::string& user, const std::string& key,
                             const StopCheck& stop) {
  auto seg = segment(user, key);
  auto runs = seg->take_dirty();
  for (size_t i = 0; i < runs.size(); ++i) {
    try {
      check_stop(stop);
      global_.put_range(user, key, runs[i].first, seg->read(runs[i].first, runs[i].second));
    } catch (...) {
      seg->restore_dirty({runs.begin() + static_cast<std::ptrdiff_t>(i), runs.end()});
      throw;
    }
  }
}

void StateTier::push_partial_mask(const std::string& user, const std::string& key,
                                  const std::string& mask_key, const StopCheck& stop) {
  auto seg = segment(user, key);
  auto mask = segment(user, mask_key);
  auto runs = seg->take_dirty();
  for (size_t r = 0; r < runs.size(); ++r) {
    auto [offset, length] = runs[r];
    std::string bytes = seg->read(offset, length);
    std::string m = mask->read(offset, length);
    try {
      // Push runs of bytes whose mask byte is set; unmasked bytes keep their global value.
      for (size_t i = 0; i < bytes.size();) {
        if (i >= m.size() || m[i] == 0) {
          ++i;
          continue;
        }
        size_t j = i;
        while (j < bytes.size() && j < m.size() && m[j] != 0) ++j;
        check_stop(stop);
        global_.put_range(user, key, offset + i, std::string_view(bytes).substr(i, j - i));
        i = j;
      }
    } catch (...) {
      seg->restore_dirty({runs.begin() + static_cast<std::ptrdiff_t>(r), runs.end()});
      throw;
    }
  }
}

void StateTier::pull(const std::string& user, const std::string& key) {
  std::optional<std::string> value = global_.get(user, key);
  auto seg = segment(user, key);
  seg->replace(value ? *value : std::string());
}

}  // namespace wasmlet::state
