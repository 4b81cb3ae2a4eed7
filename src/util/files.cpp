#include "util/files.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <system_error>

#include "util/error.h"

namespace wasmlet::util {

void UniqueFd::reset(int fd) {
  if (fd_ >= 0) ::close(fd_);
  fd_ = fd;
}

std::vector<unsigned char> read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(fmt::format("cannot read {}: {}", path.string(), std::strerror(errno)));
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::string read_text_file(const std::filesystem::path& path) {
  auto bytes = read_file(path);
  return {bytes.begin(), bytes.end()};
}

void write_file_atomic(const std::filesystem::path& path, std::string_view data, unsigned mode) {
  std::string tmpl = (path.parent_path() / ("." + path.filename().string() + ".XXXXXX")).string();
  UniqueFd fd(mkstemp(tmpl.data()));
  if (!fd) throw Error(fmt::format("cannot create {}: {}", tmpl, std::strerror(errno)));
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd.get(), data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int err = errno;
      ::unlink(tmpl.c_str());
      throw Error(fmt::format("cannot write {}: {}", tmpl, std::strerror(err)));
    }
    done += static_cast<size_t>(n);
  }
  fchmod(fd.get(), static_cast<mode_t>(mode));
  if (fsync(fd.get()) != 0 || ::rename(tmpl.c_str(), path.c_str()) != 0) {
    int err = errno;
    ::unlink(tmpl.c_str());
    throw Error(fmt::format("cannot replace {}: {}", path.string(), std::strerror(err)));
  }
}

void sync_directory(const std::filesystem::path& dir) {
  UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd || fsync(fd.get()) != 0) {
    throw Error(fmt::format("cannot sync {}: {}", dir.string(), std::strerror(errno)));
  }
}

FileLock::FileLock(const std::filesystem::path& path)
    : fd_(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644)) {
  if (!fd_)
    throw Error(fmt::format("cannot open lock {}: {}", path.string(), std::strerror(errno)));
  while (flock(fd_.get(), LOCK_EX) != 0) {
    if (errno != EINTR)
      throw Error(fmt::format("cannot lock {}: {}", path.string(), std::strerror(errno)));
  }
}

TempDir::TempDir(const std::filesystem::path& parent, std::string_view prefix) {
  std::filesystem::create_directories(parent);
  std::string tmpl = (parent / (std::string(prefix) + ".XXXXXX")).string();
  if (mkdtemp(tmpl.data()) == nullptr) {
    throw Error(fmt::format("cannot create temporary directory in {}: {}", parent.string(),
                            std::strerror(errno)));
  }
  path_ = tmpl;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

}  // namespace wasmlet::util
