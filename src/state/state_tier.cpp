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

// Values are bounded so that a guest's request can never make the host map absurd sizes.
constexpr size_t kMaxValue = size_t{1} << 32;

}  // namespace

StateSegment::StateSegment(size_t size) : fd_(memfd_create("wasmlet-state", MFD_CLOEXEC)) {
  if (!fd_) throw Error(fmt::format("memfd_create: {}", std::strerror(errno)));
  std::lock_guard lock(mutex_);
  remap_locked(size);
  size_ = size;
}

StateSegment::~StateSegment() {
  if (data_ != nullptr) munmap(data_, mapped_);
}

size_t StateSegment::size() const {
  std::lock_guard lock(mutex_);
  return size_;
}

void StateSegment::remap_locked(size_t bytes) {
  if (bytes > kMaxValue) throw Error(fmt::format("state value of {} bytes is too large", bytes));
  size_t want = round_up(std::max<size_t>(bytes, 1), kChunk);
  if (want > mapped_) {
    if (ftruncate(fd_.get(), static_cast<off_t>(want)) != 0) {
      throw Error(fmt::format("cannot grow a state segment: {}", std::strerror(errno)));
    }
    void* p = data_ == nullptr
                  ? mmap(nullptr, want, PROT_READ | PROT_WRITE, MAP_SHARED, fd_.get(), 0)
                  : mremap(data_, mapped_, want, MREMAP_MAYMOVE);
    if (p == MAP_FAILED)
      throw Error(fmt::format("cannot map a state segment: {}", std::strerror(errno)));
    data_ = static_cast<uint8_t*>(p);
    mapped_ = want;
    dirty_.resize(want / kChunk, false);
  }
}

void StateSegment::ensure_size(size_t size) {
  std::lock_guard lock(mutex_);
  if (size > size_) {
    remap_locked(size);
    size_ = size;
  }
}

void StateSegment::ensure_backing(size_t bytes) {
  std::lock_guard lock(mutex_);
  remap_locked(bytes);
}

void StateSegment::write(size_t offset, std::string_view data) {
  std::lock_guard lock(mutex_);
  if (offset + data.size() > size_) {
    remap_locked(offset + data.size());
    size_ = offset + data.size();
  }
  std::memcpy(data_ + offset, data.data(), data.size());
}

std::string StateSegment::read(size_t offset, size_t length) const {
  std::lock_guard lock(mutex_);
  if (offset >= size_) return {};
  length = std::min(length, size_ - offset);
  return {reinterpret_cast<const char*>(data_ + offset), length};
}

std::string StateSegment::read_all() const { return read(0, size()); }

void StateSegment::replace(std::string_view value) {
  std::lock_guard lock(mutex_);
  if (value.size() > size_) {
    remap_locked(value.size());
    size_ = value.size();
  }
  std::memcpy(data_, value.data(), value.size());
  std::memset(data_ + value.size(), 0, size_ - value.size());
}

void StateSegment::mark_dirty(size_t offset, size_t length) {
  std::lock_guard lock(mutex_);
  if (length == 0) return;
  size_t end = std::min(offset + length, mapped_);
  for (size_t c = offset / kChunk; c * kChunk < end; ++c) dirty_[c] = true;
}

std::vector<std::pair<size_t, size_t>> StateSegment::take_dirty() {
  std::lock_guard lock(mutex_);
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

std::shared_ptr<StateSegment> StateTier::segment(const std::string& user, const std::string& key,
                                                 size_t min_size) {
  {
    std::lock_guard lock(mutex_);
    if (auto it = segments_.find({user, key}); it != segments_.end()) {
      it->second->ensure_size(min_size);
      return it->second;
    }
  }
  // First use on this host: start from the global value (outside the lock: it may be remote).
  std::optional<std::string> value = global_.get(user, key);
  auto created = std::make_shared<StateSegment>(std::max(min_size, value ? value->size() : 0));
  if (value) created->write(0, *value);
  std::lock_guard lock(mutex_);
  auto [it, inserted] = segments_.emplace(Key{user, key}, created);
  it->second->ensure_size(min_size);
  return it->second;
}

bool StateTier::has_local(const std::string& user, const std::string& key) const {
  std::lock_guard lock(mutex_);
  return segments_.contains({user, key});
}

void StateTier::push(const std::string& user, const std::string& key) {
  auto seg = segment(user, key);
  seg->take_dirty();
  global_.put(user, key, seg->read_all());
}

void StateTier::push_partial(const std::string& user, const std::string& key) {
  auto seg = segment(user, key);
  for (auto [offset, length] : seg->take_dirty()) {
    global_.put_range(user, key, offset, seg->read(offset, length));
  }
}

void StateTier::push_partial_mask(const std::string& user, const std::string& key,
                                  const std::string& mask_key) {
  auto seg = segment(user, key);
  auto mask = segment(user, mask_key);
  for (auto [offset, length] : seg->take_dirty()) {
    std::string bytes = seg->read(offset, length);
    std::string m = mask->read(offset, length);
    // Push runs of bytes whose mask byte is set; unmasked bytes keep their global value.
    for (size_t i = 0; i < bytes.size();) {
      if (i >= m.size() || m[i] == 0) {
        ++i;
        continue;
      }
      size_t j = i;
      while (j < bytes.size() && j < m.size() && m[j] != 0) ++j;
      global_.put_range(user, key, offset + i, std::string_view(bytes).substr(i, j - i));
      i = j;
    }
  }
}

void StateTier::pull(const std::string& user, const std::string& key) {
  std::optional<std::string> value = global_.get(user, key);
  auto seg = segment(user, key);
  seg->replace(value ? *value : std::string());
}

}  // namespace wasmlet::state
