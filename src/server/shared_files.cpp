#include "server/shared_files.h"

#include <fmt/format.h>

#include <algorithm>

#include "server/replies.h"
#include "util/files.h"

namespace wasmlet::server {

namespace fs = std::filesystem;

namespace {

[[noreturn]] void bad_path(std::string_view file_path, std::string_view why) {
  throw HttpError(http::status::bad_request, "bad_path",
                  fmt::format("file path '{}' {}", file_path, why));
}

bool is_within(const fs::path& dir, const fs::path& p) {
  auto rel = p.lexically_relative(dir);
  return !rel.empty() && *rel.begin() != "..";
}

// Symbolic links inside the directory must not lead out of it.
void check_real_location(const fs::path& shared_dir, const fs::path& path,
                         std::string_view file_path) {
  std::error_code ec;
  fs::path real_dir = fs::canonical(shared_dir, ec);
  if (ec) return;  // no shared directory yet: nothing in it can lead anywhere
  fs::path real = fs::weakly_canonical(path, ec);
  if (ec || !is_within(real_dir, real)) bad_path(file_path, "leaves the shared directory");
}

}  // namespace

fs::path resolve_shared_path(const fs::path& shared_dir, std::string_view file_path) {
  std::string_view rel = file_path;
  if (rel.starts_with("faasm://")) rel.remove_prefix(8);
  if (rel.empty()) bad_path(file_path, "is empty");
  if (rel.find('\0') != std::string_view::npos) bad_path(file_path, "contains a NUL byte");
  fs::path p(rel);
  if (p.is_absolute() || p.has_root_path()) bad_path(file_path, "is absolute");
  for (const auto& part : p) {
    if (part == "..") bad_path(file_path, "contains '..'");
    if (part.native().starts_with(host::kWriteInProgressPrefix)) {
      bad_path(file_path, fmt::format("has a part starting with '{}', a name reserved for "
                                      "functions' writes in progress",
                                      host::kWriteInProgressPrefix));
    }
    // A file's name is written first as ".NAME.XXXXXX", which must fit in NAME_MAX (255).
    if (part.native().size() > kMaxSharedNameBytes) {
      bad_path(file_path, fmt::format("has a part longer than {} bytes", kMaxSharedNameBytes));
    }
  }
  fs::path full = (shared_dir / p).lexically_normal();
  if (!is_within(shared_dir.lexically_normal(), full) || full.filename().empty()) {
    bad_path(file_path, "does not name a file in the shared directory");
  }
  check_real_location(shared_dir, full, file_path);
  return full;
}

void write_shared_file(const fs::path& shared_dir, const fs::path& path, std::string_view bytes) {
  // A file and a directory of the same name cannot both be: the client asked for both.
  const std::string name = path.lexically_relative(shared_dir).string();
  std::error_code ec;
  if (fs::is_directory(path, ec)) {
    throw HttpError(http::status::conflict, "path_conflict",
                    fmt::format("file path '{}' is a directory of shared files", name));
  }
  const fs::path top = shared_dir.lexically_normal();
  for (fs::path dir = path.parent_path(); is_within(top, dir) && dir != top;
       dir = dir.parent_path()) {
    if (fs::exists(fs::symlink_status(dir, ec)) && !fs::is_directory(dir, ec)) {
      throw HttpError(http::status::conflict, "path_conflict",
                      fmt::format("file path '{}' goes through the shared file '{}'", name,
                                  dir.lexically_relative(shared_dir).string()));
    }
  }
  fs::create_directories(path.parent_path());
  // Re-check now the directories exist: one of them may be a link placed there meanwhile.
  // Named relative to the shared directory: error messages go to clients.
  check_real_location(shared_dir, path.parent_path(), name);
  util::write_file_atomic(path, bytes);
}

void write_shared_file_within(host::SharedDirUsage& usage, const fs::path& shared_dir,
                              const fs::path& path, std::string_view bytes, uint64_t max_bytes) {
  usage.change(shared_dir, [&](uint64_t& used) {
    std::error_code ec;
    const auto old_size = fs::is_regular_file(path, ec) ? fs::file_size(path, ec) : 0;
    const uint64_t old_cost =
        ec || !fs::exists(path, ec) ? 0 : host::SharedDirUsage::file_cost(old_size);
    uint64_t new_dirs = 0;
    const fs::path top = shared_dir.lexically_normal();
    for (fs::path dir = path.parent_path(); dir != top && dir.has_relative_path();
         dir = dir.parent_path()) {
      if (!fs::exists(fs::symlink_status(dir, ec))) ++new_dirs;
    }
    const uint64_t after = std::max(used, old_cost) - old_cost +
                           host::SharedDirUsage::file_cost(bytes.size()) +
                           new_dirs * host::SharedDirUsage::kBlockBytes;
    if (after > max_bytes) {
      throw HttpError(http::status::forbidden, "quota_exceeded",
                      fmt::format("the tenant's shared files may take at most {} bytes (each file "
                                  "and directory at least {}); this one would make {}",
                                  max_bytes, host::SharedDirUsage::kBlockBytes, after));
    }
    try {
      write_shared_file(shared_dir, path, bytes);
    } catch (...) {
      // The directories may have been made before the write failed: they stay counted.
      used += new_dirs * host::SharedDirUsage::kBlockBytes;
      throw;
    }
    used = after;
  });
}

std::optional<std::string> read_shared_file(const fs::path& shared_dir, const fs::path& path) {
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) return std::nullopt;
  check_real_location(shared_dir, path, path.lexically_relative(shared_dir).string());
  return util::read_text_file(path);
}

}  // namespace wasmlet::server
