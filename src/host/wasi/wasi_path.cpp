// WASI path_* calls: opening, creating, renaming and removing files below a preopened
// directory, never outside it.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "host/host_function.h"
#include "host/host_imports.h"
#include "host/wasi/capability_fs.h"
#include "host/wasi/wasi_support.h"

namespace {

using wasmlet::host::HostContext;
using namespace wasmlet::host::wasi;
namespace util = wasmlet::util;

// An open directory with `needed` rights, for the path_* calls; `change` marks calls that
// modify the file system, refused below the read-only root.
Errno lookup_dir(HostContext& h, uint32_t fd, Rights needed, bool change, const FdEntry*& e) {
  if (Errno err = lookup(h, fd, e); failed(err)) return err;
  if (!e->is_directory()) return Errno::NotDir;
  if (!e->has(needed)) return Errno::NotCapable;
  if (change && e->read_only) return Errno::RoFs;
  if (change) h.wasi().note_change();
  return Errno::Success;
}

// Faasm's name for a shared file, faasm://<path>, reaches the host as that text relative to
// the guest's working directory, the root "/": the shared files are the files there.
constexpr std::string_view kFaasmScheme = "faasm:";

Errno read_path(HostContext& h, uint32_t ptr, uint32_t len, std::string& out) {
  if (Errno err = guest_path(h.memory().string(ptr, len), out); failed(err)) return err;
  if (out.starts_with(kFaasmScheme) && out.size() > kFaasmScheme.size() &&
      out[kFaasmScheme.size()] == '/') {
    size_t start = out.find_first_not_of('/', kFaasmScheme.size());
    out = start == std::string::npos ? std::string(".") : out.substr(start);
  }
  return Errno::Success;
}

Errno path_open(HostContext& h, uint32_t dirfd, uint32_t dirflags, uint32_t path_ptr,
                uint32_t path_len, uint32_t oflags, uint64_t rights_base,
                uint64_t rights_inheriting, uint32_t fdflags, uint32_t fd_ptr) {
  const FdEntry* dir;
  if (Errno err = lookup_dir(h, dirfd, right::PathOpen, false, dir); failed(err)) return err;
  if ((oflags & oflag::Creat) && !dir->has(right::PathCreateFile)) return Errno::NotCapable;
  if ((oflags & oflag::Trunc) && !dir->has(right::PathFilestatSetSize)) return Errno::NotCapable;
  if ((oflags & ~uint32_t{0xf}) != 0 || (fdflags & ~uint32_t{0x1f}) != 0) return Errno::Inval;
  std::string path;
  if (Errno err = read_path(h, path_ptr, path_len, path); failed(err)) return err;

  // wasi-libc (like Rust's std) states the access mode through the rights it asks for.
  const bool want_write = (rights_base & right::kWriteIntent) != 0;
  const bool want_read = (rights_base & right::kReadIntent) != 0;
  if (want_write || (oflags & (oflag::Creat | oflag::Trunc)) != 0) {
    if (dir->read_only) return Errno::RoFs;
    h.wasi().note_change();
  }
  int flags = O_NOCTTY;
  flags |= want_write ? (want_read ? O_RDWR : O_WRONLY) : O_RDONLY;
  if (oflags & oflag::Creat) flags |= O_CREAT;
  if (oflags & oflag::Directory) flags |= O_DIRECTORY;
  if (oflags & oflag::Excl) flags |= O_EXCL;
  if (oflags & oflag::Trunc) flags |= O_TRUNC;
  if (fdflags & fdflag::Append) flags |= O_APPEND;
  if (fdflags & fdflag::Dsync) flags |= O_DSYNC;
  if (fdflags & fdflag::Nonblock) flags |= O_NONBLOCK;
  if (fdflags & fdflag::Rsync) flags |= O_RSYNC;
  if (fdflags & fdflag::Sync) flags |= O_SYNC;
  if (!(dirflags & kLookupSymlinkFollow)) flags |= O_NOFOLLOW;

  util::UniqueFd fd;
  if (Errno err = open_beneath(dir->fd(), path, flags, 0666, fd); failed(err)) return err;
  struct stat st {};
  if (fstat(fd.get(), &st) != 0) return last_errno();

  FdEntry entry;
  entry.kind = FdKind::Host;
  entry.handle = std::make_shared<const util::UniqueFd>(std::move(fd));
  entry.filetype = filetype_of(st.st_mode);
  entry.fdflags = static_cast<uint16_t>(fdflags);
  // Rights beyond what the directory passes on are dropped rather than refused, as wasi-libc
  // itself does when it computes them.
  entry.rights_base = rights_base & dir->rights_inheriting &
                      (entry.is_directory() ? right::kDirectory : right::kFile);
  entry.rights_inheriting = rights_inheriting & dir->rights_inheriting;
  entry.read_only = dir->read_only;
  uint32_t guest_fd = 0;
  if (Errno err = h.wasi().insert(std::move(entry), guest_fd); failed(err)) return err;
  h.memory().store(fd_ptr, guest_fd);
  return Errno::Success;
}

// A trailing slash on a name asserts a directory; the *at calls get the bare name, so check
// it here. Missing targets are left to the operation itself.
Errno check_trailing_slash(const ParentDir& p) {
  if (!p.trailing_slash) return Errno::Success;
  struct stat st {};
  if (fstatat(p.dir.get(), p.name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) return last_errno();
  return S_ISDIR(st.st_mode) ? Errno::Success : Errno::NotDir;
}

}  // namespace

extern "C" {

// --- paths ---

uint32_t Z_wasi_snapshot_preview1Z_path_create_directory(void* ctx, uint32_t fd, uint32_t path_ptr,
                                                         uint32_t path_len) {
  return wasi_call(ctx, [&](HostContext& h) {
    const FdEntry* dir;
    if (Errno err = lookup_dir(h, fd, right::PathCreateDirectory, true, dir); failed(err)) {
      return err;
    }
    std::string path;
    if (Errno err = read_path(h, path_ptr, path_len, path); failed(err)) return err;
    ParentDir p;
    if (Errno err = open_parent(dir->fd(), path, p, Errno::Exist); failed(err)) return err;
    return mkdirat(p.dir.get(), p.name.c_str(), 0777) == 0 ? Errno::Success : last_errno();
  });
}

uint32_t Z_wasi_snapshot_preview1Z_path_filestat_get(void* ctx, uint32_t fd, uint32_t flags,
                                                     uint32_t path_ptr, uint32_t path_len,
                                                     uint32_t buf) {
  return wasi_call(ctx, [&](HostContext& h) {
    const FdEntry* dir;
    if (Errno err = lookup_dir(h, fd, right::PathFilestatGet, false, dir); failed(err)) {
      return err;
    }
    std::string path;
    if (Errno err = read_path(h, path_ptr, path_len, path); failed(err)) return err;
    // O_PATH opens anything (even unreadable files and, with O_NOFOLLOW, symlinks themselves)
    // and fstat works on it, so stat needs no parent/name split.
    util::UniqueFd target;
    int oflags = O_PATH | ((flags & kLookupSymlinkFollow) ? 0 : O_NOFOLLOW);
    if (Errno err = open_beneath(dir->fd(), path, oflags, 0, target); failed(err)) return err;
    struct stat st {};
    if (fstat(target.get(), &st) != 0) return last_errno();
    h.memory().store(buf, to_filestat(st));
    return Errno::Success;
  });
}

uint32_t Z_wasi_snapshot_preview1Z_path_filestat_set_times(void* ctx, uint32_t fd, uint32_t flags,
                                                           uint32_t path_ptr, uint32_t path_len,
                                                           uint64_t atim, uint64_t mtim,
                                                           uint32_t fstflags) {
  return wasi_call(ctx, [&](HostContext& h) {
    const FdEntry* dir;
    if (Errno err = lookup_dir(h, fd, right::PathFilestatSetTimes, true, dir); failed(err)) {
      return err;
    }
    timespec ts[2];
    if (Errno err = make_times(atim, mtim, fstflags, ts); failed(err)) return err;
    std::string path;
    if (Errno err = read_path(h, path_ptr, path_len, path); failed(err)) return err;
    util::UniqueFd target;
    int oflags = O_PATH | ((flags & kLookupSymlinkFollow) ? 0 : O_NOFOLLOW);
    if (Errno err = open_beneath(dir->fd(), path, oflags, 0, target); failed(err)) return err;
    return utimensat(target.get(), "", ts, AT_EMPTY_PATH) == 0 ? Errno::Success : last_errno();
  });
}

uint32_t Z_wasi_snapshot_preview1Z_path_link(void* ctx, uint32_t, uint32_t, uint32_t, uint32_t,
                                             uint32_t, uint32_t, uint32_t) {
  return wasi_call(ctx, [&](HostContext&) { return Errno::NoSys; });
}

uint32_t Z_wasi_snapshot_preview1Z_path_open(void* ctx, uint32_t fd, uint32_t dirflags,
                                             uint32_t path_ptr, uint32_t path_len, uint32_t oflags,
                                             uint64_t rights_base, uint64_t rights_inheriting,
                                             uint32_t fdflags, uint32_t fd_ptr) {
  return wasi_call(ctx, [&](HostContext& h) {
    return path_open(h, fd, dirflags, path_ptr, path_len, oflags, rights_base, rights_inheriting,
                     fdflags, fd_ptr);
  });
}

uint32_t Z_wasi_snapshot_preview1Z_path_readlink(void* ctx, uint32_t fd, uint32_t path_ptr,
                                                 uint32_t path_len, uint32_t buf, uint32_t buf_len,
                                                 uint32_t bufused_ptr) {
  return wasi_call(ctx, [&](HostContext& h) {
    const FdEntry* dir;
    if (Errno err = lookup_dir(h, fd, right::PathReadlink, false, dir); failed(err)) return err;
    std::string path;
    if (Errno err = read_path(h, path_ptr, path_len, path); failed(err)) return err;
    ParentDir p;
    if (Errno err = open_parent(dir->fd(), path, p); failed(err)) return err;
    // "link/" names what the link points to, which is not a link.
    if (p.trailing_slash) return Errno::Inval;
    auto dest = h.memory().bytes(buf, buf_len);
    ssize_t n =
        readlinkat(p.dir.get(), p.name.c_str(), reinterpret_cast<char*>(dest.data()), dest.size());
    if (n < 0) return last_errno();
    h.memory().store(bufused_ptr, static_cast<uint32_t>(n));
    return Errno::Success;
  });
}

uint32_t Z_wasi_snapshot_preview1Z_path_remove_directory(void* ctx, uint32_t fd, uint32_t path_ptr,
                                                         uint32_t path_len) {
  return wasi_call(ctx, [&](HostContext& h) {
    const FdEntry* dir;
    if (Errno err = lookup_dir(h, fd, right::PathRemoveDirectory, true, dir); failed(err)) {
      return err;
    }
    std::string path;
    if (Errno err = read_path(h, path_ptr, path_len, path); failed(err)) return err;
    ParentDir p;
    if (Errno err = open_parent(dir->fd(), path, p); failed(err)) return err;
    return unlinkat(p.dir.get(), p.name.c_str(), AT_REMOVEDIR) == 0 ? Errno::Success : last_errno();
  });
}

uint32_t Z_wasi_snapshot_preview1Z_path_rename(void* ctx, uint32_t fd, uint32_t old_ptr,
                                               uint32_t old_len, uint32_t new_fd, uint32_t new_ptr,
                                               uint32_t new_len) {
  return wasi_call(ctx, [&](HostContext& h) {
    const FdEntry *from_dir, *to_dir;
    if (Errno err = lookup_dir(h, fd, right::PathRenameSource, true, from_dir); failed(err)) {
      return err;
    }
    if (Errno err = lookup_dir(h, new_fd, right::PathRenameTarget, true, to_dir); failed(err)) {
      return err;
    }
    std::string old_path, new_path;
    if (Errno err = read_path(h, old_ptr, old_len, old_path); failed(err)) return err;
    if (Errno err = read_path(h, new_ptr, new_len, new_path); failed(err)) return err;
    ParentDir from, to;
    if (Errno err = open_parent(from_dir->fd(), old_path, from); failed(err)) return err;
    if (Errno err = open_parent(to_dir->fd(), new_path, to); failed(err)) return err;
    // A trailing slash on either side means both must be directories; checking the source
    // suffices, since renaming a directory over a non-directory fails anyway.
    from.trailing_slash = from.trailing_slash || to.trailing_slash;
    if (Errno err = check_trailing_slash(from); failed(err)) return err;
    return renameat(from.dir.get(), from.name.c_str(), to.dir.get(), to.name.c_str()) == 0
               ? Errno::Success
               : last_errno();
  });
}

uint32_t Z_wasi_snapshot_preview1Z_path_symlink(void* ctx, uint32_t, uint32_t, uint32_t, uint32_t,
                                                uint32_t) {
  return wasi_call(ctx, [&](HostContext&) { return Errno::NoSys; });
}

uint32_t Z_wasi_snapshot_preview1Z_path_unlink_file(void* ctx, uint32_t fd, uint32_t path_ptr,
                                                    uint32_t path_len) {
  return wasi_call(ctx, [&](HostContext& h) {
    const FdEntry* dir;
    if (Errno err = lookup_dir(h, fd, right::PathUnlinkFile, true, dir); failed(err)) return err;
    std::string path;
    if (Errno err = read_path(h, path_ptr, path_len, path); failed(err)) return err;
    ParentDir p;
    if (Errno err = open_parent(dir->fd(), path, p, Errno::IsDir); failed(err)) return err;
    if (Errno err = check_trailing_slash(p); failed(err)) return err;
    return unlinkat(p.dir.get(), p.name.c_str(), 0) == 0 ? Errno::Success : last_errno();
  });
}

}  // extern "C"

namespace wasmlet::host {

std::span<const HostFunction> wasi_path_functions() {
  static const HostFunction table[] = {
      WASMLET_HOST_IMPORT(wasi_snapshot_preview1, path_create_directory),
      WASMLET_HOST_IMPORT(wasi_snapshot_preview1, path_filestat_get),
      WASMLET_HOST_IMPORT(wasi_snapshot_preview1, path_filestat_set_times),
      WASMLET_HOST_IMPORT(wasi_snapshot_preview1, path_link),
      WASMLET_HOST_IMPORT(wasi_snapshot_preview1, path_open),
      WASMLET_HOST_IMPORT(wasi_snapshot_preview1, path_readlink),
      WASMLET_HOST_IMPORT(wasi_snapshot_preview1, path_remove_directory),
      WASMLET_HOST_IMPORT(wasi_snapshot_preview1, path_rename),
      WASMLET_HOST_IMPORT(wasi_snapshot_preview1, path_symlink),
      WASMLET_HOST_IMPORT(wasi_snapshot_preview1, path_unlink_file),
  };
  return table;
}

}  // namespace wasmlet::host
