#pragma once
// Shared files (Faasm's PUT/GET /file): stored under the runtime's shared directory, where
// functions see them. A client names a file by a relative path, optionally "faasm://"-prefixed.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "host/shared_dir_usage.h"

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
// write_shared_file, when what the directory takes as `usage` counts it, with this file in place
// of any file of its path and the directories it needs, stays within `max_bytes`; else
// HttpError 403 "quota_exceeded" and nothing is written. Functions' faasm:// writes are counted
// by the same `usage` (host/wasi/faasm_files.h).
void write_shared_file_within(host::SharedDirUsage& usage, const std::filesystem::path& shared_dir,
                              const std::filesystem::path& path, std::string_view bytes,
                              uint64_t max_bytes);

// nullopt when there is no such regular file.
std::optional<std::string> read_shared_file(const std::filesystem::path& shared_dir,
                                            const std::filesystem::path& path);

}  // namespace wasmlet::server
