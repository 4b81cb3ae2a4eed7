#include "host/wasi/capability_fs.h"

#include <dirent.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>

namespace wasmlet::host::wasi {

namespace {

uint64_t to_ns(const timespec& ts) {
  return static_cast<uint64_t>(ts.tv_sec) * 1'000'000'000u + static_cast<uint64_t>(ts.tv_nsec);
}

}  // namespace

Errno guest_path(std::string_view raw, std::string& out) {
  // The kernel would stop at the NUL and act on a different path than the guest named.
  if (raw.find('\0') != std::string_view::npos) return Errno::Inval;
  out.assign(raw);
  return Errno::Success;
}

std::optional<PreopenMatch> match_preopen(std::span<const std::string_view> names,
                                          std::string_view path) {
  std::optional<PreopenMatch> best;
  for (size_t i = 0; i < names.size(); ++i) {
    std::string_view name = names[i];
    if (name.empty() || !path.starts_with(name)) continue;
    bool boundary = path.size() == name.size() || name.back() == '/' || path[name.size()] == '/';
    if (boundary && (!best || name.size() > names[best->index].size())) best = PreopenMatch{i, {}};
  }
  if (best) {
    std::string_view rest = path.substr(names[best->index].size());
    rest.remove_prefix(std::min(rest.find_first_not_of('/'), rest.size()));
    best->rest = std::string(rest);
  }
  return best;
}

Errno open_beneath(int dirfd, const std::string& path, int flags, mode_t mode,
                   util::UniqueFd& out) {
  open_how how{};
  how.flags = static_cast<uint64_t>(flags | O_CLOEXEC);
  // openat2 rejects a mode without O_CREAT (guests have no way to ask for O_TMPFILE).
  how.mode = (flags & O_CREAT) != 0 ? mode : 0;
  how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
  // RESOLVE_BENEATH answers EAGAIN when a concurrent rename raced with a ".." step; the
  // lookup is safe to repeat.
  for (int attempt = 0; attempt < 16; ++attempt) {
    long fd = syscall(SYS_openat2, dirfd, path.c_str(), &how, sizeof(how));
    if (fd >= 0) {
      out = util::UniqueFd(static_cast<int>(fd));
      return Errno::Success;
    }
    if (errno == EAGAIN) continue;
    // EXDEV is how openat2 reports a path leaving the directory.
    if (errno == EXDEV) return Errno::NotCapable;
    return last_errno();
  }
  return Errno::Again;
}

Errno open_parent(int dirfd, const std::string& path, ParentDir& out, Errno dot_error) {
  if (path.empty()) return Errno::NoEnt;
  size_t end = path.find_last_not_of('/');
  if (end == std::string::npos) return Errno::NotCapable;  // "/", "//": an absolute path
  out.trailing_slash = end + 1 < path.size();
  size_t slash = path.rfind('/', end);
  std::string parent = slash == std::string::npos ? "." : path.substr(0, slash + 1);
  size_t start = slash == std::string::npos ? 0 : slash + 1;
  out.name = path.substr(start, end + 1 - start);
  if (out.name == "." || out.name == "..") return dot_error;
  return open_beneath(dirfd, parent, O_PATH | O_DIRECTORY, 0, out.dir);
}

uint8_t filetype_of(mode_t mode) {
  switch (mode & S_IFMT) {
    case S_IFREG:
      return filetype::RegularFile;
    case S_IFDIR:
      return filetype::Directory;
    case S_IFLNK:
      return filetype::SymbolicLink;
    case S_IFCHR:
      return filetype::CharacterDevice;
    case S_IFBLK:
      return filetype::BlockDevice;
    case S_IFSOCK:
      return filetype::SocketStream;
    default:
      return filetype::Unknown;  // FIFOs have no WASI file type
  }
}

uint8_t filetype_of_dirent(unsigned char d_type) {
  switch (d_type) {
    case DT_REG:
      return filetype::RegularFile;
    case DT_DIR:
      return filetype::Directory;
    case DT_LNK:
      return filetype::SymbolicLink;
    case DT_CHR:
      return filetype::CharacterDevice;
    case DT_BLK:
      return filetype::BlockDevice;
    case DT_SOCK:
      return filetype::SocketStream;
    default:
      return filetype::Unknown;
  }
}

Filestat to_filestat(const struct stat& st) {
  Filestat fs{};
  fs.dev = st.st_dev;
  fs.ino = st.st_ino;
  fs.filetype = filetype_of(st.st_mode);
  fs.nlink = st.st_nlink;
  fs.size = static_cast<uint64_t>(st.st_size);
  fs.atim = to_ns(st.st_atim);
  fs.mtim = to_ns(st.st_mtim);
  fs.ctim = to_ns(st.st_ctim);
  return fs;
}

}  // namespace wasmlet::host::wasi
