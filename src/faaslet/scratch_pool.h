#pragma once
// Scratch directories (a guest's /tmp) handed out to Faaslets and taken back empty, so a new
// Faaslet rarely pays for a mkdir: on a journalled file system one costs milliseconds.
#include <filesystem>
#include <vector>

#include "util/mutex.h"

namespace wasmlet::faaslet {

class ScratchPool {
 public:
  // `parent` empty: acquire() returns an empty path (no /tmp).
  explicit ScratchPool(std::filesystem::path parent, size_t max_free = 256);
  ScratchPool(const ScratchPool&) = delete;
  ScratchPool& operator=(const ScratchPool&) = delete;
  ~ScratchPool();  // removes the directories it holds

  std::filesystem::path acquire();
  // Takes a directory back; `dirty` says the guest may have left something in it.
  void release(const std::filesystem::path& dir, bool dirty);

 private:
  std::filesystem::path parent_;
  size_t max_free_;
  util::Mutex mutex_;
  std::vector<std::filesystem::path> free_ GUARDED_BY(mutex_);
};

// Empties a directory without removing it (its descriptor stays valid as a guest's /tmp).
void clear_directory(const std::filesystem::path& dir);

}  // namespace wasmlet::faaslet
