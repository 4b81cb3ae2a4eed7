#pragma once
// Small RAII wrappers and whole-file helpers.
#include <filesystem>
#include <string>
#include <vector>

namespace wasmlet::util {

class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(UniqueFd&& o) noexcept : fd_(o.release()) {}
  UniqueFd& operator=(UniqueFd&& o) noexcept {
    if (this != &o) reset(o.release());
    return *this;
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd() { reset(); }

  int get() const { return fd_; }
  explicit operator bool() const { return fd_ >= 0; }
  int release() {
    int fd = fd_;
    fd_ = -1;
    return fd;
  }
  void reset(int fd = -1);

 private:
  int fd_ = -1;
};

std::vector<unsigned char> read_file(const std::filesystem::path& path);
std::string read_text_file(const std::filesystem::path& path);

// Writes to a temporary file in the same directory, fsyncs, then renames over `path`,
// so readers see either the old file or the whole new one. The file gets `mode`.
void write_file_atomic(const std::filesystem::path& path, std::string_view data,
                       unsigned mode = 0644);

// fsyncs a directory, so that a rename or a new file in it survives a crash.
void sync_directory(const std::filesystem::path& dir);

// An exclusive advisory lock on a file, held for the object's lifetime.
class FileLock {
 public:
  explicit FileLock(const std::filesystem::path& path);

 private:
  UniqueFd fd_;
};

// A directory removed with everything in it when the object dies.
class TempDir {
 public:
  explicit TempDir(const std::filesystem::path& parent, std::string_view prefix = "tmp");
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir();
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace wasmlet::util
