// WASI fd_* calls: reading, writing, seeking, syncing and describing open descriptors.
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <climits>
#include <cstdint>
#include <cstring>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "host/host_function.h"
#include "host/host_imports.h"
#include "host/wasi/capability_fs.h"
#include "host/wasi/faasm_files.h"
#include "host/wasi/wasi_support.h"

namespace {

using wasmlet::host::GuestMemory;
using wasmlet::host::HostContext;
using namespace wasmlet::host::wasi;
namespace util = wasmlet::util;

bool to_off(uint64_t v, off_t& out) {
  if (v > static_cast<uint64_t>(std::numeric_limits<off_t>::max())) return false;
  out = static_cast<off_t>(v);
  return true;
}

// Guest iovecs as host iovecs pointing straight into guest memory.
void gather(const GuestMemory& mem, uint32_t iovs, uint32_t count, std::vector<iovec>& out) {
  auto raw = mem.bytes(iovs, uint64_t{count} * sizeof(Iovec));
  out.resize(count);
  for (uint32_t i = 0; i < count; ++i) {
    Iovec v;
    std::memcpy(&v, raw.data() + size_t{i} * sizeof(Iovec), sizeof(v));
    auto buf = mem.bytes(v.buf, v.buf_len);
    out[i] = {buf.data(), buf.size()};
  }
}

// Before a write to a file of the scratch space or a faasm:// file: where it will end, for
// the budget (a short write is charged in full; the budget is per call).
Errno charge_write(HostContext& h, const FdEntry& e, const std::vector<iovec>& io,
                   std::optional<uint64_t> offset) {
  if (!e.scratch && !e.shared_write) return Errno::Success;
  uint64_t total = 0;
  for (const iovec& v : io) total += v.iov_len;
  uint64_t start = 0;
  if (offset) {
    start = *offset;
  } else {
    struct stat st {};
    if (fstat(e.fd(), &st) != 0) return last_errno();
    off_t pos = (e.fdflags & fdflag::Append) != 0 ? st.st_size : lseek(e.fd(), 0, SEEK_CUR);
    if (pos < 0) return last_errno();
    start = static_cast<uint64_t>(pos);
  }
  return charge_growth(h.wasi(), e, start + total);
}

// Reads or writes through `io` (readv/writev when offset is empty, preadv/pwritev otherwise).
Errno transfer(HostContext& h, uint32_t fd, uint32_t iovs, uint32_t count,
               std::optional<uint64_t> offset, bool write, uint32_t result_ptr) {
  const FdEntry* e;
  if (Errno err = lookup(h, fd, e); failed(err)) return err;
  if (offset && e->kind != FdKind::Host) return Errno::SPipe;
  if (!e->has(write ? right::FdWrite : right::FdRead)) return Errno::BadF;
  // The kernel's own limit; also bounds the host vector a guest can make us allocate.
  if (count > IOV_MAX) return Errno::Inval;
  off_t off = 0;
  if (offset && !to_off(*offset, off)) return Errno::Inval;
  std::vector<iovec> io;
  gather(h.memory(), iovs, count, io);

  uint64_t done = 0;
  if (e->kind == FdKind::Stdout || e->kind == FdKind::Stderr) {
    // Overlapping iovecs could add up past what the u32 result can report; stop where Linux
    // would (MAX_RW_COUNT), as a short write.
    constexpr uint64_t kMaxTransfer = 0x7ffff000;
    for (const iovec& v : io) {
      size_t n = static_cast<size_t>(std::min<uint64_t>(v.iov_len, kMaxTransfer - done));
      h.append_stdio(e->kind == FdKind::Stderr ? 2 : 1, {static_cast<const char*>(v.iov_base), n});
      done += n;
    }
  } else if (e->kind == FdKind::Host) {
    if (write) {
      if (Errno err = charge_write(h, *e, io, offset); failed(err)) return err;
    }
    const int n = static_cast<int>(io.size());
    ssize_t r;
    if (write) {
      r = offset ? pwritev(e->fd(), io.data(), n, off) : writev(e->fd(), io.data(), n);
    } else {
      r = offset ? preadv(e->fd(), io.data(), n, off) : readv(e->fd(), io.data(), n);
    }
    if (r < 0) return last_errno();
    done = static_cast<uint64_t>(r);
  }
  // Stdin is always at end of file: done stays 0.
  h.memory().store(result_ptr, static_cast<uint32_t>(done));
  return Errno::Success;
}

// Directories may be held as O_PATH descriptors, which cannot be read or synced: those
// operations use a fresh descriptor of the same directory (which also has its own offset).
Errno open_directory_for_reading(const FdEntry& e, util::UniqueFd& out) {
  out = util::UniqueFd(openat(e.fd(), ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  return out ? Errno::Success : last_errno();
}

Errno sync_fd(HostContext& h, uint32_t fd, bool data_only) {
  const FdEntry* e;
  if (Errno err = lookup(h, fd, data_only ? right::FdDatasync : right::FdSync, e); failed(err)) {
    return err;
  }
  util::UniqueFd dir;
  int target = e->fd();
  if (e->is_directory()) {
    if (Errno err = open_directory_for_reading(*e, dir); failed(err)) return err;
    target = dir.get();
  }
  return (data_only ? fdatasync(target) : fsync(target)) == 0 ? Errno::Success : last_errno();
}

// An overlay directory lists both layers (faasm_files.h); its cookies are positions in that
// list, which is made again for every call.
Errno read_overlay_directory(HostContext& h, const FdEntry& e, uint32_t buf, uint32_t buf_len,
                             uint64_t cookie, uint32_t bufused_ptr) {
  auto dest = h.memory().bytes(buf, buf_len);
  std::vector<ListedEntry> entries;
  if (Errno err = overlay_list(h.wasi(), e.overlay_path, entries); failed(err)) return err;
  std::vector<unsigned char> out;
  for (uint64_t i = cookie; i < entries.size() && out.size() < buf_len; ++i) {
    Dirent w{};
    w.d_next = i + 1;
    w.d_ino = entries[i].ino;
    w.d_namlen = static_cast<uint32_t>(entries[i].name.size());
    w.d_type = entries[i].type;
    const auto* wb = reinterpret_cast<const unsigned char*>(&w);
    out.insert(out.end(), wb, wb + sizeof(w));
    out.insert(out.end(), entries[i].name.begin(), entries[i].name.end());
  }
  size_t used = std::min<size_t>(out.size(), buf_len);
  std::memcpy(dest.data(), out.data(), used);
  h.memory().store(bufused_ptr, static_cast<uint32_t>(used));
  return Errno::Success;
}

// Fills the guest buffer with entries starting at `cookie`. Cookies are the kernel's own
// directory offsets (d_off), so a later call resumes with one lseek; the last entry may be
// cut short, which tells the guest to call again with a bigger buffer.
Errno read_directory(HostContext& h, uint32_t fd, uint32_t buf, uint32_t buf_len, uint64_t cookie,
                     uint32_t bufused_ptr) {
  const FdEntry* e;
  if (Errno err = lookup(h, fd, e); failed(err)) return err;
  if (!e->is_directory()) return Errno::NotDir;
  if (!e->has(right::FdReaddir)) return Errno::NotCapable;
  if (e->overlay) return read_overlay_directory(h, *e, buf, buf_len, cookie, bufused_ptr);
  off_t pos = 0;
  if (!to_off(cookie, pos)) return Errno::Inval;
  auto dest = h.memory().bytes(buf, buf_len);
  util::UniqueFd dir;
  if (Errno err = open_directory_for_reading(*e, dir); failed(err)) return err;
  if (lseek(dir.get(), pos, SEEK_SET) < 0) return last_errno();

  std::vector<unsigned char> out;
  alignas(8) unsigned char chunk[16 * 1024];
  while (out.size() < buf_len) {
    ssize_t n = getdents64(dir.get(), chunk, sizeof(chunk));
    if (n < 0) return last_errno();
    if (n == 0) break;
    for (ssize_t at = 0; at < n && out.size() < buf_len;) {
      dirent64 d;
      const size_t header = offsetof(dirent64, d_name);
      std::memcpy(&d, chunk + at, header);
      const char* name = reinterpret_cast<const char*>(chunk + at + header);
      Dirent w{};
      w.d_next = static_cast<uint64_t>(d.d_off);
      w.d_ino = d.d_ino;
      w.d_namlen = static_cast<uint32_t>(strnlen(name, d.d_reclen - header));
      w.d_type = filetype_of_dirent(d.d_type);
      const auto* wb = reinterpret_cast<const unsigned char*>(&w);
      out.insert(out.end(), wb, wb + sizeof(w));
      out.insert(out.end(), name, name + w.d_namlen);
      at += d.d_reclen;
    }
  }
  size_t used = std::min<size_t>(out.size(), buf_len);
  std::memcpy(dest.data(), out.data(), used);
  h.memory().store(bufused_ptr, static_cast<uint32_t>(used));
  return Errno::Success;
}

}  // namespace

extern "C" {

// --- file descriptors ---

uint32_t Z_wasi_snapshot_preview1Z_fd_advise(void* ctx, uint32_t fd, uint64_t offset, uint64_t len,
                                             uint32_t advice) {
  return wasi_call(ctx, [&](HostContext& h) {
    const FdEntry* e;
    if (Errno err = lookup(h, fd, right::FdAdvise, e); failed(err)) return err;
    static constexpr int kAdvice[] = {POSIX_FADV_NORMAL,   POSIX_FADV_SEQUENTIAL,
                                      POSIX_FADV_RANDOM,   POSIX_FADV_WILLNEED,
                                      POSIX_FADV_DONTNEED, POSIX_FADV_NOREUSE};
    off_t off = 0, length = 0;
    if (advice >= std::size(kAdvice) || !to_off(offset, off) || !to_off(len, length)) {
      return Errno::Inval;
    }
    return from_host_errno(posix_fadvise(e->fd(), off, length, kAdvice[advice]));
  });
}

uint32_t Z_wasi_snapshot_preview1Z_fd_allocate(void* ctx, uint32_t fd, uint64_t offset,
                                               uint64_t len) {
  return wasi_call(ctx, [&](HostContext& h) {
    const FdEntry* e;
    if (Errno err = lookup(h, fd, right::FdAllocate, e); failed(err)) return err;
    if (e->read_only) return Errno::RoFs;
    off_t off = 0, length = 0;
    if (!to_off(offset, off) || !to_off(len, length)) return Errno::Inval;
    if (Errno err = charge_growth(h.wasi(), *e, offset + len); failed(err)) return err;
    return from_host_errno(posix_fallocate(e->fd(), off, length));
  });
}

uint32_t Z_wasi_snapshot_preview1Z_fd_close(void* ctx, uint32_t fd) {
  return wasi_call(ctx, [&](HostContext& h) { return h.wasi().close(fd); });
}

uint32_t Z_wasi_snapshot_preview1Z_fd_datasync(void* ctx, uint32_t fd) {
  return wasi_call(ctx, [&](HostContext& h) { return sync_fd(h, fd, true); });
}

uint32_t Z_wasi_snapshot_preview1Z_fd_sync(void* ctx, uint32_t fd) {
  return wasi_call(ctx, [&](HostContext& h) { return sync_fd(h, fd, false); });
}

uint32_t Z_wasi_snapshot_preview1Z_fd_fdstat_get(void* ctx, uint32_t fd, uint32_t buf) {
  return wasi_call(ctx, [&](HostContext& h) {
    const FdEntry* e;
    if (Errno err = lookup(h, fd, e); failed(err)) return err;
    Fdstat st{};
    st.filetype = e->filetype;
    st.flags = e->fdflags;
    st.rights_base = e->rights_base;
    st.rights_inheriting = e->rights_inheriting;
    h.memory().store(buf, st);
    return Errno::Success;
  });
}

uint32_t Z_wasi_snapshot_preview1Z_fd_fdstat_set_flags(void* ctx, uint32_t fd, uint32_t flags) {
  return wasi_call(ctx, [&](HostContext& h) {
    const FdEntry* e;
    if (Errno err = lookup(h, fd, right::FdFdstatSetFlags, e); failed(err)) return err;
    if ((flags & ~uint32_t{0x1f}) != 0) return Errno::Inval;
    // Linux cannot change the synchronisation flags of an open file (fcntl ignores them).
    const uint32_t sync_flags = fdflag::Dsync | fdflag::Rsync | fdflag::Sync;
    if ((flags & sync_flags) != (e->fdflags & sync_flags)) return Errno::NotSup;
    // Stdio and directories keep the flags as bookkeeping only: they have no status flags
    // that matter (and a preopen's O_PATH descriptor has none at all).
    if (e->kind == FdKind::Host && !e->is_directory()) {
      int cur = fcntl(e->fd(), F_GETFL);
      if (cur < 0) return last_errno();
      cur &= ~(O_APPEND | O_NONBLOCK);
      if (flags & fdflag::Append) cur |= O_APPEND;
      if (flags & fdflag::Nonblock) cur |= O_NONBLOCK;
      if (fcntl(e->fd(), F_SETFL, cur) != 0) return last_errno();
    }
    h.wasi().modify(fd)->fdflags = static_cast<uint16_t>(flags);
    return Errno::Success;
  });
}

uint32_t Z_wasi_snapshot_preview1Z_fd_fdstat_set_rights(void* ctx, uint32_t fd, uint64_t base,
                                                        uint64_t inheriting) {
  return wasi_call(ctx, [&](HostContext& h) {
    const FdEntry* e;
    if (Errno err = lookup(h, fd, e); failed(err)) return err;
    // Rights can only be dropped, never gained.
    if ((base & ~e->rights_base) != 0 || (inheriting & ~e->rights_inheriting) != 0) {
      return Errno::NotCapable;
    }
    FdEntry* m = h.wasi().modify(fd);
    m->rights_base = base;
    m->rights_inheriting = inheriting;
    return Errno::Success;
  });
}

uint32_t Z_wasi_snapshot_preview1Z_fd_filestat_get(void* ctx, uint32_t fd, uint32_t buf) {
  return wasi_call(ctx, [&](HostContext& h) {
    const FdEntry* e;
    if (Errno err = lookup(h, fd, right::FdFilestatGet, e); failed(err)) return err;
    Filestat fs{};
    if (e->kind == FdKind::Host) {
      struct stat st {};
      if (fstat(e->fd(), &st) != 0) return last_errno();
      fs = to_filestat(st);
    } else {
      fs.filetype = e->filetype;
    }
    h.memory().store(buf, fs);
    return Errno::Success;
  });
}

uint32_t Z_wasi_snapshot_preview1Z_fd_filestat_set_size(void* ctx, uint32_t fd, uint64_t size) {
  return wasi_call(ctx, [&](HostContext& h) {
    const FdEntry* e;
    if (Errno err = lookup(h, fd, right::FdFilestatSetSize, e); failed(err)) return err;
    if (e->read_only) return Errno::RoFs;
    off_t len = 0;
    if (!to_off(size, len)) return Errno::FBig;
    struct stat st {};
    if (e->scratch && fstat(e->fd(), &st) != 0) return last_errno();
    if (Errno err = charge_growth(h.wasi(), *e, size); failed(err)) return err;
    if (ftruncate(e->fd(), len) != 0) return last_errno();
    if (e->scratch && len < st.st_size) h.wasi().credit(static_cast<uint64_t>(st.st_size - len), 0);
    return Errno::Success;
  });
}

uint32_t Z_wasi_snapshot_preview1Z_fd_filestat_set_times(void* ctx, uint32_t fd, uint64_t atim,
                                                         uint64_t mtim, uint32_t fstflags) {
  return wasi_call(ctx, [&](HostContext& h) {
    const FdEntry* e;
    if (Errno err = lookup(h, fd, right::FdFilestatSetTimes, e); failed(err)) return err;
    if (e->read_only) return Errno::RoFs;
    timespec ts[2];
    if (Errno err = make_times(atim, mtim, fstflags, ts); failed(err)) return err;
    // AT_EMPTY_PATH acts on the descriptor itself, whatever its access mode (even O_PATH).
    return utimensat(e->fd(), "", ts, AT_EMPTY_PATH) == 0 ? Errno::Success : last_errno();
  });
}

uint32_t Z_wasi_snapshot_preview1Z_fd_pread(void* ctx, uint32_t fd, uint32_t iovs,
                                            uint32_t iovs_len, uint64_t offset,
                                            uint32_t nread_ptr) {
  return wasi_call(ctx, [&](HostContext& h) {
    return transfer(h, fd, iovs, iovs_len, offset, false, nread_ptr);
  });
}

uint32_t Z_wasi_snapshot_preview1Z_fd_pwrite(void* ctx, uint32_t fd, uint32_t iovs,
                                             uint32_t iovs_len, uint64_t offset,
                                             uint32_t nwritten_ptr) {
  return wasi_call(ctx, [&](HostContext& h) {
    return transfer(h, fd, iovs, iovs_len, offset, true, nwritten_ptr);
  });
}

uint32_t Z_wasi_snapshot_preview1Z_fd_read(void* ctx, uint32_t fd, uint32_t iovs, uint32_t iovs_len,
                                           uint32_t nread_ptr) {
  return wasi_call(ctx, [&](HostContext& h) {
    return transfer(h, fd, iovs, iovs_len, std::nullopt, false, nread_ptr);
  });
}

uint32_t Z_wasi_snapshot_preview1Z_fd_write(void* ctx, uint32_t fd, uint32_t iovs,
                                            uint32_t iovs_len, uint32_t nwritten_ptr) {
  return wasi_call(ctx, [&](HostContext& h) {
    return transfer(h, fd, iovs, iovs_len, std::nullopt, true, nwritten_ptr);
  });
}

uint32_t Z_wasi_snapshot_preview1Z_fd_prestat_get(void* ctx, uint32_t fd, uint32_t buf) {
  return wasi_call(ctx, [&](HostContext& h) {
    const FdEntry* e;
    if (Errno err = lookup(h, fd, e); failed(err)) return err;
    if (e->preopen_name.empty()) return Errno::BadF;
    Prestat p{};
    p.tag = kPreopentypeDir;
    p.name_len = static_cast<uint32_t>(e->preopen_name.size());
    h.memory().store(buf, p);
    return Errno::Success;
  });
}

uint32_t Z_wasi_snapshot_preview1Z_fd_prestat_dir_name(void* ctx, uint32_t fd, uint32_t buf,
                                                       uint32_t len) {
  return wasi_call(ctx, [&](HostContext& h) {
    const FdEntry* e;
    if (Errno err = lookup(h, fd, e); failed(err)) return err;
    if (e->preopen_name.empty()) return Errno::BadF;
    if (len < e->preopen_name.size()) return Errno::NameTooLong;
    h.memory().write(buf, e->preopen_name);
    return Errno::Success;
  });
}

uint32_t Z_wasi_snapshot_preview1Z_fd_readdir(void* ctx, uint32_t fd, uint32_t buf,
                                              uint32_t buf_len, uint64_t cookie,
                                              uint32_t bufused_ptr) {
  return wasi_call(ctx, [&](HostContext& h) {
    return read_directory(h, fd, buf, buf_len, cookie, bufused_ptr);
  });
}

uint32_t Z_wasi_snapshot_preview1Z_fd_renumber(void* ctx, uint32_t from, uint32_t to) {
  return wasi_call(ctx, [&](HostContext& h) { return h.wasi().renumber(from, to); });
}

uint32_t Z_wasi_snapshot_preview1Z_fd_seek(void* ctx, uint32_t fd, uint64_t offset, uint32_t whence,
                                           uint32_t newoffset_ptr) {
  return wasi_call(ctx, [&](HostContext& h) {
    const FdEntry* e;
    if (Errno err = lookup(h, fd, e); failed(err)) return err;
    if (e->kind != FdKind::Host) return Errno::SPipe;
    // Asking for the position only needs the weaker right, as in the WASI spec.
    const bool tell_only = offset == 0 && whence == whence::Cur;
    if (!e->has(tell_only ? right::FdTell : right::FdSeek)) return Errno::NotCapable;
    int w;
    switch (whence) {
      case whence::Set:
        w = SEEK_SET;
        break;
      case whence::Cur:
        w = SEEK_CUR;
        break;
      case whence::End:
        w = SEEK_END;
        break;
      default:
        return Errno::Inval;
    }
    // The offset is a signed filedelta passed as i64.
    off_t pos = lseek(e->fd(), static_cast<off_t>(offset), w);
    if (pos < 0) return last_errno();
    h.memory().store(newoffset_ptr, static_cast<uint64_t>(pos));
    return Errno::Success;
  });
}

uint32_t Z_wasi_snapshot_preview1Z_fd_tell(void* ctx, uint32_t fd, uint32_t offset_ptr) {
  return wasi_call(ctx, [&](HostContext& h) {
    const FdEntry* e;
    if (Errno err = lookup(h, fd, e); failed(err)) return err;
    if (e->kind != FdKind::Host) return Errno::SPipe;
    if (!e->has(right::FdTell)) return Errno::NotCapable;
    off_t pos = lseek(e->fd(), 0, SEEK_CUR);
    if (pos < 0) return last_errno();
    h.memory().store(offset_ptr, static_cast<uint64_t>(pos));
    return Errno::Success;
  });
}

}  // extern "C"

namespace wasmlet::host {

std::span<const HostFunction> wasi_fd_functions() {
  static const HostFunction table[] = {
      WASMLET_HOST_IMPORT(wasi_snapshot_preview1, fd_advise),
      WASMLET_HOST_IMPORT(wasi_snapshot_preview1, fd_allocate),
      WASMLET_HOST_IMPORT(wasi_snapshot_preview1, fd_close),
      WASMLET_HOST_IMPORT(wasi_snapshot_preview1, fd_datasync),
      WASMLET_HOST_IMPORT(wasi_snapshot_preview1, fd_sync),
      WASMLET_HOST_IMPORT(wasi_snapshot_preview1, fd_fdstat_get),
      WASMLET_HOST_IMPORT(wasi_snapshot_preview1, fd_fdstat_set_flags),
      WASMLET_HOST_IMPORT(wasi_snapshot_preview1, fd_fdstat_set_rights),
      WASMLET_HOST_IMPORT(wasi_snapshot_preview1, fd_filestat_get),
      WASMLET_HOST_IMPORT(wasi_snapshot_preview1, fd_filestat_set_size),
      WASMLET_HOST_IMPORT(wasi_snapshot_preview1, fd_filestat_set_times),
      WASMLET_HOST_IMPORT(wasi_snapshot_preview1, fd_pread),
      WASMLET_HOST_IMPORT(wasi_snapshot_preview1, fd_pwrite),
      WASMLET_HOST_IMPORT(wasi_snapshot_preview1, fd_read),
      WASMLET_HOST_IMPORT(wasi_snapshot_preview1, fd_write),
      WASMLET_HOST_IMPORT(wasi_snapshot_preview1, fd_prestat_get),
      WASMLET_HOST_IMPORT(wasi_snapshot_preview1, fd_prestat_dir_name),
      WASMLET_HOST_IMPORT(wasi_snapshot_preview1, fd_readdir),
      WASMLET_HOST_IMPORT(wasi_snapshot_preview1, fd_renumber),
      WASMLET_HOST_IMPORT(wasi_snapshot_preview1, fd_seek),
      WASMLET_HOST_IMPORT(wasi_snapshot_preview1, fd_tell),
  };
  return table;
}

}  // namespace wasmlet::host
