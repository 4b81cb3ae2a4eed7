#include "faaslet/scratch_pool.h"

#include <fmt/format.h>
#include <unistd.h>

#include <atomic>
#include <system_error>

namespace wasmlet::faaslet {

namespace fs = std::filesystem;

void clear_directory(const fs::path& dir) {
  for (const auto& entry : fs::directory_iterator(dir)) fs::remove_all(entry.path());
}

ScratchPool::ScratchPool(fs::path parent, size_t max_free)
    : parent_(std::move(parent)), max_free_(max_free) {}

ScratchPool::~ScratchPool() {
  std::error_code ec;
  for (const auto& dir : free_) fs::remove_all(dir, ec);
}

fs::path ScratchPool::acquire() {
  if (parent_.empty()) return {};
  {
    util::MutexLock lock(mutex_);
    if (!free_.empty()) {
      fs::path dir = std::move(free_.back());
      free_.pop_back();
      return dir;
    }
  }
  static std::atomic<uint64_t> counter{0};
  fs::path dir = parent_ / fmt::format("faaslet-{}-{}", getpid(), counter.fetch_add(1));
  fs::create_directories(dir);
  return dir;
}

void ScratchPool::release(const fs::path& dir, bool dirty) {
  if (dir.empty()) return;
  std::error_code ec;
  if (dirty) {
    try {
      clear_directory(dir);
    } catch (const fs::filesystem_error&) {
      fs::remove_all(dir, ec);  // cannot vouch for it: drop it
      return;
    }
  }
  util::MutexLock lock(mutex_);
  if (free_.size() < max_free_) {
    free_.push_back(dir);
  } else {
    fs::remove_all(dir, ec);
  }
}

}  // namespace wasmlet::faaslet
