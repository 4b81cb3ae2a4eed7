#pragma once
// Shared files (Faasm's PUT/GET /file): stored under the runtime's shared directory, where
// functions see them. A client names a file by a relative path, optionally "faasm://"-prefixed.
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "util/mutex.h"

namespace wasmlet::server {

// The longest part of a shared file's path.
inline constexpr size_t kMaxSharedNameBytes = 247;

// The file's place under `shared_dir`. Throws HttpError 400 for an empty or absolute path, any
// ".." component or one longer than kMaxSharedNameBytes, or a path that leaves the directory
// (also through symbolic links).
std::filesystem::path resolve_shared_path(const std::filesystem::path& shared_dir,
                                          std::string_view file_path);

// Creates parent directories; readers see the old file or the whole new one.
void write_shared_file(const std::filesystem::path& shared_dir, const std::filesystem::path& path,
                       std::string_view bytes);
// What each shared directory (a tenant's) takes on disk, so that a quota bounds it: every file
// counts as at least a 4 KiB block and every directory as one, which bounds their number too.
// Learnt by walking the directory at its first write, then kept as files are written through
// it. Functions' own faasm:// writes are not counted (FsConfig bounds them per call only).
class SharedFileUsage {
 public:
  static constexpr uint64_t kBlockBytes = 4096;

  // write_shared_file, when what the directory takes, with this file in place of any file of
  // its path and the directories it needs, stays within `max_bytes`; else HttpError 403
  // "quota_exceeded" and nothing is written. Writes are one at a time: a check and its write
  // are one step.
  void write(const std::filesystem::path& shared_dir, const std::filesystem::path& path,
             std::string_view bytes, uint64_t max_bytes);
  // What the directory takes as counted (walking it if it was not yet).
  uint64_t bytes(const std::filesystem::path& shared_dir);

 private:
  uint64_t& usage_locked(const std::filesystem::path& shared_dir) REQUIRES(mutex_);

  util::Mutex mutex_;
  std::map<std::filesystem::path, uint64_t> bytes_ GUARDED_BY(mutex_);
};

// nullopt when there is no such regular file.
std::optional<std::string> read_shared_file(const std::filesystem::path& shared_dir,
                                            const std::filesystem::path& path);

}  // namespace wasmlet::server
