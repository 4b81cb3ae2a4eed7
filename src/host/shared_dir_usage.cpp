#include "host/shared_dir_usage.h"

namespace wasmlet::host {

namespace fs = std::filesystem;

namespace {

// Links count as a block: they are not followed. A function's faasm:// write in progress
// (temporary_name() in wasi/faasm_files.cpp) is not counted: publishing it charges its size.
uint64_t walk_usage(const fs::path& dir) {
  uint64_t total = 0;
  std::error_code ec;
  for (fs::recursive_directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (it->path().filename().string().starts_with(kWriteInProgressPrefix)) {
      it.disable_recursion_pending();
      continue;
    }
    std::error_code size_ec;
    const bool regular = it->is_regular_file(size_ec) && !it->is_symlink(size_ec);
    const uint64_t size = regular ? it->file_size(size_ec) : 0;
    total += SharedDirUsage::file_cost(size_ec ? 0 : size);
  }
  return total;
}

}  // namespace

SharedDirUsage::Dir& SharedDirUsage::dir(const fs::path& dir) {
  util::MutexLock lock(mutex_);
  auto& entry = dirs_[dir.lexically_normal()];
  if (entry == nullptr) entry = std::make_unique<Dir>();
  return *entry;
}

void SharedDirUsage::change(const fs::path& path, const std::function<void(uint64_t&)>& change) {
  Dir& d = dir(path);
  util::MutexLock lock(d.mutex);
  if (!d.counted) {
    d.bytes = walk_usage(path.lexically_normal());
    d.counted = true;
  }
  change(d.bytes);
}

uint64_t SharedDirUsage::bytes(const fs::path& path) {
  uint64_t out = 0;
  change(path, [&](uint64_t& bytes) { out = bytes; });
  return out;
}

}  // namespace wasmlet::host
