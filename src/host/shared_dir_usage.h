#pragma once
// What each shared-files directory (a tenant's, or the one of an open server) takes on disk,
// so that a quota bounds it, whoever writes there: clients through Faasm's PUT /file and
// functions through faasm:// files. Every file counts as at least a 4 KiB block and every
// directory as one, which bounds their number too. Learnt by walking the directory the first
// time it is used, then kept as writes go through this. Changes to one directory are one at a
// time (a check and its write are one step); directories do not wait for each other.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>

#include "util/mutex.h"

namespace wasmlet::host {

// How a function's faasm:// write names its file until it is published. Reserved: neither
// clients nor functions may name a shared file so, or it would escape the count.
inline constexpr const char* kWriteInProgressPrefix = ".wasmlet-write-";

class SharedDirUsage {
 public:
  static constexpr uint64_t kBlockBytes = 4096;

  // What a file of `size` bytes counts for.
  static uint64_t file_cost(uint64_t size) { return size < kBlockBytes ? kBlockBytes : size; }

  // Runs `change` with `dir`'s count, which it updates to what the directory takes after its
  // change; no other change of `dir` runs meanwhile. Guest code never runs inside `change`.
  void change(const std::filesystem::path& dir, const std::function<void(uint64_t&)>& change);

  // What the directory takes as counted (walking it if it was not yet).
  uint64_t bytes(const std::filesystem::path& dir);

 private:
  struct Dir {
    util::Mutex mutex;
    bool counted GUARDED_BY(mutex) = false;
    uint64_t bytes GUARDED_BY(mutex) = 0;
  };
  Dir& dir(const std::filesystem::path& dir);

  util::Mutex mutex_;
  // Never erased: a directory's entry is as long-lived as this object.
  std::map<std::filesystem::path, std::unique_ptr<Dir>> dirs_ GUARDED_BY(mutex_);
};

}  // namespace wasmlet::host
