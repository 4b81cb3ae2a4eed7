#pragma once
// Shared files (Faasm's PUT/GET /file): stored under the runtime's shared directory, where
// functions see them. A client names a file by a relative path, optionally "faasm://"-prefixed.
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace wasmlet::server {

// The file's place under `shared_dir`. Throws HttpError 400 for an empty or absolute path, any
// ".." component, or a path that leaves the directory (also through symbolic links).
std::filesystem::path resolve_shared_path(const std::filesystem::path& shared_dir,
                                          std::string_view file_path);

// Creates parent directories; readers see the old file or the whole new one.
void write_shared_file(const std::filesystem::path& shared_dir, const std::filesystem::path& path,
                       std::string_view bytes);
// nullopt when there is no such regular file.
std::optional<std::string> read_shared_file(const std::filesystem::path& shared_dir,
                                            const std::filesystem::path& path);

}  // namespace wasmlet::server
