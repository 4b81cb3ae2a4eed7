// WASI path_* calls: opening, creating, renaming and removing files below a preopened
// directory, never outside it; with Faasm's files, through the overlay "/" and faasm://
// (faasm_files.h).
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "host/host_function.h"
#include "host/host_imports.h"
#include "host/wasi/capability_fs.h"
#include "host/wasi/faasm_files.h"
#include "host/wasi/wasi_support.h"

namespace {

using wasmlet::host::HostContext;
using wasmlet::host::WasiState;
using namespace wasmlet::host::wasi;
namespace util = wasmlet::util;

// An open directory with `needed` rights, for the path_* calls; `change` marks calls that
// modify the file system, refused below the read-only root (the overlay root decides per path).
Errno lookup_dir(HostContext& h, uint32_t fd, Rights needed, bool change, const FdEntry*& e) {
  if (Errno err = lookup(h, fd, e); failed(err)) return err;
  if (!e->is_directory()) return Errno::NotDir;
  if (!e->has(needed)) return Errno::NotCapable;
  if (change && e->read_only && !e->overlay) return Errno::RoFs;
  if (change) h.wasi().note_change();
  return Errno::Success;
}

// Faasm's name for a shared file, faasm://<path>. With Faasm's files it names the shared file
// itself; otherwise it is that path relative to the directory given, the root "/" for wasi-libc.
constexpr std::string_view kFaasmScheme = "faasm:";

struct GuestPath {
  std::string path;
  bool shared = false;  // faasm://, with a shared-files directory to resolve it in
};

Errno read_path(HostContext& h, uint32_t ptr, uint32_t len, GuestPath& out) {
  if (Errno err = guest_path(h.memory().string(ptr, len), out.path); failed(err)) return err;
  std::string& p = out.path;
  if (p.starts_with(kFaasmScheme) && p.size() > kFaasmScheme.size() &&
      p[kFaasmScheme.size()] == '/') {
    size_t start = p.find_first_not_of('/', kFaasmScheme.size());
    p = start == std::string::npos ? std::string(".") : p.substr(start);
    out.shared = h.wasi().shared_dir() >= 0;
  }
  return Errno::Success;
}

// The overlay-normalized form of `p` beneath `dir` (an overlay directory, or the shared files'
// root for a faasm:// path).
Errno normalized(const FdEntry& dir, const GuestPath& p, std::string& out) {
  return overlay_normalize(p.shared ? std::string_view() : dir.overlay_path, p.path, out);
}

// Where a call that creates or removes the name `p` acts: its parent directory and final name.
// faasm:// names can only be written as files (path_open); the shared files' names under the
// overlay cannot be removed (`removing`).
Errno change_target(HostContext& h, const FdEntry& dir, const GuestPath& p, bool removing,
                    Errno dot_error, ParentDir& out) {
  if (p.shared) return Errno::RoFs;
  if (!dir.overlay) return open_parent(dir.fd(), p.path, out, dot_error);
  std::string path;
  if (Errno err = normalized(dir, p, path); failed(err)) return err;
  if (path.empty()) return dot_error;
  if (removing) {
    if (Errno err = overlay_check_removable(h.wasi(), path); failed(err)) return err;
  }
  return overlay_parent(h.wasi(), path, !removing, out);
}

// Whether changes beneath `dir` count against the scratch budget.
bool in_scratch(const FdEntry& dir) { return dir.scratch || dir.overlay; }

// Opens `p` beneath `dir` with `flags`, through the overlay or faasm:// where they apply, and
// fills in where the file lives.
Errno open_guest_path(HostContext& h, const FdEntry& dir, const GuestPath& p, int flags,
                      bool change, util::UniqueFd& fd, FdEntry& entry) {
  WasiState& w = h.wasi();
  if (p.shared || dir.overlay) {
    std::string path;
    if (Errno err = normalized(dir, p, path); failed(err)) return err;
    entry.overlay_path = path;
    if (p.shared) {
      entry.read_only = !change;
      if (change) return shared_open_for_writing(w, path, flags, fd, entry.shared_write);
      return open_beneath(w.shared_dir(), path.empty() ? "." : path, flags, 0, fd);
    }
    if (change) {
      w.note_change();
      entry.scratch = true;
      return overlay_open_for_writing(w, path, flags, fd);
    }
    Layer layer = Layer::None;
    struct stat st {};
    if (Errno err = overlay_find(w, path, (flags & O_NOFOLLOW) == 0, layer, st); failed(err)) {
      return err;
    }
    if (layer == Layer::None) return Errno::NoEnt;
    entry.scratch = layer == Layer::Upper;
    entry.read_only = layer == Layer::Lower;
    entry.overlay = true;  // kept only for a directory
    int base = layer == Layer::Upper ? w.upper_dir() : w.shared_dir();
    return open_beneath(base, path.empty() ? "." : path, flags, 0, fd);
  }
  if (change) {
    if (dir.read_only) return Errno::RoFs;
    w.note_change();
  }
  entry.read_only = dir.read_only;
  entry.scratch = dir.scratch;
  if (!dir.scratch) return open_beneath(dir.fd(), p.path, flags, 0666, fd);
  if ((flags & O_CREAT) != 0) return create_counted(w, dir.fd(), p.path, flags, fd);
  return open_existing_counted(w, dir.fd(), p.path, flags, fd);
}

Errno path_open(HostContext& h, uint32_t dirfd, uint32_t dirflags, uint32_t path_ptr,
                uint32_t path_len, uint32_t oflags, uint64_t rights_base,
                uint64_t rights_inheriting, uint32_t fdflags, uint32_t fd_ptr) {
  const FdEntry* dir;
  if (Errno err = lookup_dir(h, dirfd, right::PathOpen, false, dir); failed(err)) return err;
  if ((oflags & oflag::Creat) && !dir->has(right::PathCreateFile)) return Errno::NotCapable;
  if ((oflags & oflag::Trunc) && !dir->has(right::PathFilestatSetSize)) return Errno::NotCapable;
  if ((oflags & ~uint32_t{0xf}) != 0 || (fdflags & ~uint32_t{0x1f}) != 0) return Errno::Inval;
  GuestPath path;
  if (Errno err = read_path(h, path_ptr, path_len, path); failed(err)) return err;

  // wasi-libc (like Rust's std) states the access mode through the rights it asks for.
  const bool want_write = (rights_base & right::kWriteIntent) != 0;
  const bool want_read = (rights_base & right::kReadIntent) != 0;
  const bool change = want_write || (oflags & (oflag::Creat | oflag::Trunc)) != 0;
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
  FdEntry entry;
  if (Errno err = open_guest_path(h, *dir, path, flags, change, fd, entry); failed(err)) {
    return err;
  }
  struct stat st {};
  if (fstat(fd.get(), &st) != 0) return last_errno();

  entry.kind = FdKind::Host;
  entry.handle = std::make_shared<const util::UniqueFd>(std::move(fd));
  entry.filetype = filetype_of(st.st_mode);
  entry.dev = st.st_dev;
  entry.ino = st.st_ino;
  entry.fdflags = static_cast<uint16_t>(fdflags);
  // Rights beyond what the directory passes on are dropped rather than refused, as wasi-libc
  // itself does when it computes them.
  entry.rights_base = rights_base & dir->rights_inheriting &
                      (entry.is_directory() ? right::kDirectory : right::kFile);
  entry.rights_inheriting = rights_inheriting & dir->rights_inheriting;
  entry.overlay = entry.overlay && entry.is_directory();
  if (!entry.overlay) entry.overlay_path.clear();
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

// The file `p` names for stat, set-times and readlink: opened O_PATH beneath the layer that
// holds it (the upper first under the overlay). `layer` is Lower for a shared file.
Errno open_existing(HostContext& h, const FdEntry& dir, const GuestPath& p, bool follow,
                    util::UniqueFd& out, Layer& layer) {
  const int oflags = O_PATH | (follow ? 0 : O_NOFOLLOW);
  layer = Layer::Upper;
  if (!p.shared && !dir.overlay) return open_beneath(dir.fd(), p.path, oflags, 0, out);
  std::string path;
  if (Errno err = normalized(dir, p, path); failed(err)) return err;
  WasiState& w = h.wasi();
  layer = Layer::Lower;
  if (!p.shared) {
    struct stat st {};
    if (Errno err = overlay_find(w, path, follow, layer, st); failed(err)) return err;
    if (layer == Layer::None) return Errno::NoEnt;
  }
  int base = layer == Layer::Upper ? w.upper_dir() : w.shared_dir();
  return open_beneath(base, path.empty() ? "." : path, oflags, 0, out);
}

// Removes `p` (a file, or a directory with AT_REMOVEDIR), giving back to the scratch budget
// what it held.
Errno remove_name(HostContext& h, const FdEntry& dir, const GuestPath& p, int at_flags,
                  Errno dot_error) {
  ParentDir parent;
  if (Errno err = change_target(h, dir, p, true, dot_error, parent); failed(err)) return err;
  if (at_flags == 0) {
    if (Errno err = check_trailing_slash(parent); failed(err)) return err;
  }
  struct stat before {};
  const bool counted = in_scratch(dir) && fstatat(parent.dir.get(), parent.name.c_str(), &before,
                                                  AT_SYMLINK_NOFOLLOW) == 0;
  if (unlinkat(parent.dir.get(), parent.name.c_str(), at_flags) != 0) return last_errno();
  if (counted) credit_removed(h.wasi(), before);
  return Errno::Success;
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
    GuestPath path;
    if (Errno err = read_path(h, path_ptr, path_len, path); failed(err)) return err;
    if (dir->overlay && !path.shared) {
      // A directory of the shared files exists already, in the overlay too.
      util::UniqueFd existing;
      Layer layer = Layer::None;
      Errno err = open_existing(h, *dir, path, false, existing, layer);
      if (!failed(err)) return Errno::Exist;
      if (err != Errno::NoEnt) return err;
    }
    ParentDir p;
    if (Errno err = change_target(h, *dir, path, false, Errno::Exist, p); failed(err)) return err;
    if (in_scratch(*dir)) {
      if (Errno err = h.wasi().charge_file(); failed(err)) return err;
    }
    if (mkdirat(p.dir.get(), p.name.c_str(), 0777) == 0) return Errno::Success;
    Errno err = last_errno();
    if (in_scratch(*dir)) h.wasi().credit(0, 1);
    return err;
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
    GuestPath path;
    if (Errno err = read_path(h, path_ptr, path_len, path); failed(err)) return err;
    // O_PATH opens anything (even unreadable files and, with O_NOFOLLOW, symlinks themselves)
    // and fstat works on it, so stat needs no parent/name split.
    util::UniqueFd target;
    Layer layer = Layer::None;
    if (Errno err =
            open_existing(h, *dir, path, (flags & kLookupSymlinkFollow) != 0, target, layer);
        failed(err)) {
      return err;
    }
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
    GuestPath path;
    if (Errno err = read_path(h, path_ptr, path_len, path); failed(err)) return err;
    util::UniqueFd target;
    Layer layer = Layer::None;
    if (Errno err =
            open_existing(h, *dir, path, (flags & kLookupSymlinkFollow) != 0, target, layer);
        failed(err)) {
      return err;
    }
    // The shared files are never changed this way, also not through the overlay.
    if ((dir->overlay || path.shared) && layer != Layer::Upper) return Errno::RoFs;
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
    GuestPath path;
    if (Errno err = read_path(h, path_ptr, path_len, path); failed(err)) return err;
    ParentDir p;
    if (path.shared || dir->overlay) {
      // Found in its layer first; a link is never followed here.
      util::UniqueFd link;
      Layer layer = Layer::None;
      if (Errno err = open_existing(h, *dir, path, false, link, layer); failed(err)) return err;
      std::string normal;
      if (Errno err = normalized(*dir, path, normal); failed(err)) return err;
      int base = layer == Layer::Upper ? h.wasi().upper_dir() : h.wasi().shared_dir();
      if (Errno err = open_parent(base, normal, p); failed(err)) return err;
    } else if (Errno err = open_parent(dir->fd(), path.path, p); failed(err)) {
      return err;
    }
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
    GuestPath path;
    if (Errno err = read_path(h, path_ptr, path_len, path); failed(err)) return err;
    return remove_name(h, *dir, path, AT_REMOVEDIR, Errno::Inval);
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
    GuestPath old_path, new_path;
    if (Errno err = read_path(h, old_ptr, old_len, old_path); failed(err)) return err;
    if (Errno err = read_path(h, new_ptr, new_len, new_path); failed(err)) return err;
    ParentDir from, to;
    if (Errno err = change_target(h, *from_dir, old_path, true, Errno::Inval, from); failed(err)) {
      return err;
    }
    if (Errno err = change_target(h, *to_dir, new_path, false, Errno::Inval, to); failed(err)) {
      return err;
    }
    // A trailing slash on either side means both must be directories; checking the source
    // suffices, since renaming a directory over a non-directory fails anyway.
    from.trailing_slash = from.trailing_slash || to.trailing_slash;
    if (Errno err = check_trailing_slash(from); failed(err)) return err;
    // What the rename replaces is freed, as by an unlink.
    struct stat replaced {};
    const bool counted = in_scratch(*to_dir) && fstatat(to.dir.get(), to.name.c_str(), &replaced,
                                                        AT_SYMLINK_NOFOLLOW) == 0;
    if (renameat(from.dir.get(), from.name.c_str(), to.dir.get(), to.name.c_str()) != 0) {
      return last_errno();
    }
    if (counted) credit_removed(h.wasi(), replaced);
    return Errno::Success;
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
    GuestPath path;
    if (Errno err = read_path(h, path_ptr, path_len, path); failed(err)) return err;
    return remove_name(h, *dir, path, 0, Errno::IsDir);
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
