// The WASI preview1 imports (module "wasi_snapshot_preview1"). Each returns a WASI errno;
// results go to guest memory through bounds-checked GuestMemory (a bad pointer traps).
//
// Error conventions, applied in this order:
//  - an fd that is not open: EBADF; a path operation on an fd that is not a directory: ENOTDIR;
//  - a missing right: EBADF for reading or writing data (what POSIX says for an fd opened
//    without that access mode), ENOTCAPABLE for anything else; seeking or positional I/O on
//    stdio: ESPIPE;
//  - any change below the read-only root "/" (create, truncate or open for writing, mkdir,
//    rmdir, unlink, rename from or into it, set times, set size, allocate): EROFS, as a
//    read-only mount would answer;
//  - a path that leaves its directory (absolute, too many "..", a symlink pointing out):
//    ENOTCAPABLE.
// Not supported, answering ENOSYS: path_link, path_symlink, proc_raise and the sock_* calls.
// (A hard link from /tmp to a file of the read-only root would make that file writable when
// both live on one file system, and guest-made symlinks would be left for host tools to follow.)
#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <climits>
#include <cstdint>
#include <cstring>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "host/host_call.h"
#include "host/host_imports.h"
#include "host/wasi/capability_fs.h"
#include "host/wasi/wasi_abi.h"
#include "host/wasi/wasi_errno.h"
#include "host/wasi/wasi_state.h"

namespace {

using wasmlet::host::GuestExit;
using wasmlet::host::GuestFault;
using wasmlet::host::GuestMemory;
using wasmlet::host::host_call;
using wasmlet::host::HostContext;
using namespace wasmlet::host::wasi;
namespace util = wasmlet::util;

// More subscriptions than any real program polls at once; bounds the host memory one call uses.
constexpr uint32_t kMaxSubscriptions = 1 << 16;

bool failed(Errno e) { return e != Errno::Success; }

// Runs an import body that answers an Errno, inside the host-call boundary.
template <class F>
uint32_t wasi_call(void* ctx, F&& body) {
  return host_call<uint32_t>(ctx, [&](HostContext& h) { return static_cast<uint32_t>(body(h)); });
}

// A guest address `offset` bytes past `base`; an address past 4 GiB is the guest's fault.
uint32_t guest_offset(uint32_t base, uint64_t offset) {
  uint64_t p = uint64_t{base} + offset;
  if (p > std::numeric_limits<uint32_t>::max()) throw GuestFault("guest pointer out of bounds");
  return static_cast<uint32_t>(p);
}

Errno lookup(HostContext& h, uint32_t fd, const FdEntry*& e) {
  e = h.wasi().find(fd);
  return e != nullptr ? Errno::Success : Errno::BadF;
}

Errno lookup(HostContext& h, uint32_t fd, Rights needed, const FdEntry*& e) {
  if (Errno err = lookup(h, fd, e); failed(err)) return err;
  return e->has(needed) ? Errno::Success : Errno::NotCapable;
}

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

Errno read_path(HostContext& h, uint32_t ptr, uint32_t len, std::string& out) {
  return guest_path(h.memory().string(ptr, len), out);
}

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

// WASI timestamps and fstflags as the timespec pair utimensat wants.
Errno make_times(uint64_t atim, uint64_t mtim, uint32_t flags, timespec ts[2]) {
  if ((flags & (fstflag::Atim | fstflag::AtimNow)) == (fstflag::Atim | fstflag::AtimNow) ||
      (flags & (fstflag::Mtim | fstflag::MtimNow)) == (fstflag::Mtim | fstflag::MtimNow) ||
      (flags & ~uint32_t{0xf}) != 0) {
    return Errno::Inval;
  }
  auto one = [](uint64_t ns, bool set, bool now) {
    timespec t{};
    if (now) {
      t.tv_nsec = UTIME_NOW;
    } else if (set) {
      t.tv_sec = static_cast<time_t>(ns / 1'000'000'000u);
      t.tv_nsec = static_cast<long>(ns % 1'000'000'000u);
    } else {
      t.tv_nsec = UTIME_OMIT;
    }
    return t;
  };
  ts[0] = one(atim, flags & fstflag::Atim, flags & fstflag::AtimNow);
  ts[1] = one(mtim, flags & fstflag::Mtim, flags & fstflag::MtimNow);
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

// Guest clock ids; both CPU clocks measure the calling thread, which runs the whole guest
// call, so a guest never sees the CPU time of the rest of the host process (other tenants).
bool host_clock(uint32_t id, clockid_t& out) {
  switch (id) {
    case clockid::Realtime:
      out = CLOCK_REALTIME;
      return true;
    case clockid::Monotonic:
      out = CLOCK_MONOTONIC;
      return true;
    case clockid::ProcessCputime:
    case clockid::ThreadCputime:
      out = CLOCK_THREAD_CPUTIME_ID;
      return true;
    default:
      return false;
  }
}

uint64_t clock_ns(clockid_t id) {
  timespec ts{};
  clock_gettime(id, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1'000'000'000u + static_cast<uint64_t>(ts.tv_nsec);
}

// --- poll_oneoff ---

// When a clock subscription fires, as a monotonic-clock time.
Errno clock_deadline(const Subscription& s, uint64_t now_mono, uint64_t& deadline) {
  uint64_t rel = s.timeout;
  if (s.id_or_fd == clockid::Realtime || s.id_or_fd == clockid::Monotonic) {
    if (s.flags & kSubclockAbstime) {
      uint64_t now = s.id_or_fd == clockid::Realtime ? clock_ns(CLOCK_REALTIME) : now_mono;
      rel = s.timeout > now ? s.timeout - now : 0;
    }
  } else if (s.id_or_fd == clockid::ProcessCputime || s.id_or_fd == clockid::ThreadCputime) {
    return Errno::NotSup;  // sleeping until a CPU clock reaches a value is meaningless here
  } else {
    return Errno::Inval;
  }
  deadline = now_mono + std::min(rel, std::numeric_limits<uint64_t>::max() - now_mono);
  return Errno::Success;
}

// An fd subscription on something that never blocks: stdio, regular files, directories.
bool never_blocks(const FdEntry& e) {
  return e.kind != FdKind::Host || e.filetype == filetype::RegularFile || e.is_directory();
}

Event ready_event(const Subscription& s, const FdEntry& e) {
  Event ev{};
  ev.userdata = s.userdata;
  ev.type = s.tag;
  if (e.kind == FdKind::Stdin && s.tag == eventtype::FdRead) {
    ev.flags = kEventFdReadwriteHangup;  // stdin is at end of file
  } else if (e.filetype == filetype::RegularFile && s.tag == eventtype::FdRead) {
    struct stat st {};
    off_t pos = lseek(e.fd(), 0, SEEK_CUR);
    if (fstat(e.fd(), &st) == 0 && pos >= 0 && st.st_size > pos) {
      ev.nbytes = static_cast<uint64_t>(st.st_size - pos);
    }
  }
  return ev;
}

Errno poll_oneoff(HostContext& h, uint32_t in, uint32_t out, uint32_t nsubs, uint32_t nevents_ptr) {
  if (nsubs == 0 || nsubs > kMaxSubscriptions) return Errno::Inval;
  const GuestMemory& mem = h.memory();
  auto out_bytes = mem.bytes(out, uint64_t{nsubs} * sizeof(Event));
  std::vector<Subscription> subs(nsubs);
  std::memcpy(subs.data(), mem.bytes(in, uint64_t{nsubs} * sizeof(Subscription)).data(),
              subs.size() * sizeof(Subscription));

  std::vector<Event> events;
  struct Timer {
    size_t sub;
    uint64_t deadline;
  };
  std::vector<Timer> timers;
  std::vector<pollfd> pfds;
  std::vector<size_t> pfd_sub;
  const uint64_t start = clock_ns(CLOCK_MONOTONIC);
  for (size_t i = 0; i < subs.size(); ++i) {
    const Subscription& s = subs[i];
    Event ev{};
    ev.userdata = s.userdata;
    ev.type = s.tag;
    if (s.tag == eventtype::Clock) {
      uint64_t deadline = 0;
      if (Errno err = clock_deadline(s, start, deadline); failed(err)) {
        ev.error = static_cast<uint16_t>(err);
        events.push_back(ev);
      } else {
        timers.push_back({i, deadline});
      }
    } else if (s.tag == eventtype::FdRead || s.tag == eventtype::FdWrite) {
      const FdEntry* e = h.wasi().find(s.id_or_fd);
      if (e == nullptr || !e->has(right::PollFdReadwrite)) {
        ev.error = static_cast<uint16_t>(e == nullptr ? Errno::BadF : Errno::NotCapable);
        events.push_back(ev);
      } else if (never_blocks(*e)) {
        events.push_back(ready_event(s, *e));
      } else {
        auto what = static_cast<short>(s.tag == eventtype::FdRead ? POLLIN : POLLOUT);
        pfds.push_back({e->fd(), what, 0});
        pfd_sub.push_back(i);
      }
    } else {
      return Errno::Inval;
    }
  }

  uint64_t earliest = std::numeric_limits<uint64_t>::max();
  for (const Timer& t : timers) earliest = std::min(earliest, t.deadline);
  // A signal ends the wait early. The only one aimed at an executor thread is the engine's
  // deadline timer, which then traps as this call returns; the earliest clock subscription is
  // reported as fired so that a sleeping guest (whose libc does not expect an empty result)
  // never reads an unwritten event.
  bool interrupted = false;
  for (;;) {
    const uint64_t now = clock_ns(CLOCK_MONOTONIC);
    std::optional<uint64_t> wait_ns;  // empty: no limit
    if (!events.empty()) {
      wait_ns = 0;
    } else if (!timers.empty()) {
      wait_ns = earliest > now ? earliest - now : 0;
    }
    if (!pfds.empty() || !wait_ns || *wait_ns > 0) {
      timespec ts{};
      if (wait_ns) {
        ts.tv_sec = static_cast<time_t>(*wait_ns / 1'000'000'000u);
        ts.tv_nsec = static_cast<long>(*wait_ns % 1'000'000'000u);
      }
      int r = ppoll(pfds.data(), pfds.size(), wait_ns ? &ts : nullptr, nullptr);
      if (r < 0 && errno != EINTR) return last_errno();
      interrupted = r < 0;
      for (size_t k = 0; r > 0 && k < pfds.size(); ++k) {
        if (pfds[k].revents == 0) continue;
        const Subscription& s = subs[pfd_sub[k]];
        Event ev{};
        ev.userdata = s.userdata;
        ev.type = s.tag;
        if (pfds[k].revents & POLLNVAL) {
          ev.error = static_cast<uint16_t>(Errno::BadF);
        } else if (pfds[k].revents & POLLERR) {
          ev.error = static_cast<uint16_t>(Errno::Io);
        } else if (pfds[k].revents & POLLHUP) {
          ev.flags = kEventFdReadwriteHangup;
        }
        events.push_back(ev);
      }
    }
    const uint64_t after = clock_ns(CLOCK_MONOTONIC);
    for (const Timer& t : timers) {
      if (t.deadline <= after || (interrupted && t.deadline == earliest)) {
        Event ev{};
        ev.userdata = subs[t.sub].userdata;
        ev.type = eventtype::Clock;
        events.push_back(ev);
      }
    }
    if (!events.empty() || interrupted) break;
  }

  // An empty vector's data() may be null, which memcpy must not be given even for 0 bytes.
  if (!events.empty()) std::memcpy(out_bytes.data(), events.data(), events.size() * sizeof(Event));
  mem.store(nevents_ptr, static_cast<uint32_t>(events.size()));
  return Errno::Success;
}

// --- fd_readdir ---

uint8_t dirent_type(unsigned char d_type) {
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

// Fills the guest buffer with entries starting at `cookie`. Cookies are the kernel's own
// directory offsets (d_off), so a later call resumes with one lseek; the last entry may be
// cut short, which tells the guest to call again with a bigger buffer.
Errno read_directory(HostContext& h, uint32_t fd, uint32_t buf, uint32_t buf_len, uint64_t cookie,
                     uint32_t bufused_ptr) {
  const FdEntry* e;
  if (Errno err = lookup(h, fd, e); failed(err)) return err;
  if (!e->is_directory()) return Errno::NotDir;
  if (!e->has(right::FdReaddir)) return Errno::NotCapable;
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
      w.d_type = dirent_type(d.d_type);
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

// --- path_open ---

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

// Writes `strings` as C strings packed at buf, with a pointer to each at ptrs.
void write_string_list(HostContext& h, const std::vector<std::string>& strings, uint32_t ptrs,
                       uint32_t buf) {
  std::string packed;
  for (size_t i = 0; i < strings.size(); ++i) {
    h.memory().store(guest_offset(ptrs, uint64_t{i} * 4), guest_offset(buf, packed.size()));
    packed.append(strings[i]);
    packed.push_back('\0');
  }
  h.memory().write(buf, packed);
}

void write_string_list_sizes(HostContext& h, const std::vector<std::string>& strings,
                             uint32_t count_ptr, uint32_t size_ptr) {
  uint64_t size = 0;
  for (const auto& s : strings) size += s.size() + 1;
  h.memory().store(count_ptr, static_cast<uint32_t>(strings.size()));
  h.memory().store(size_ptr, static_cast<uint32_t>(size));
}

}  // namespace

extern "C" {

// --- arguments and environment ---

uint32_t Z_wasi_snapshot_preview1Z_args_get(void* ctx, uint32_t argv, uint32_t argv_buf) {
  return wasi_call(ctx, [&](HostContext& h) {
    write_string_list(h, h.config().args, argv, argv_buf);
    return Errno::Success;
  });
}

uint32_t Z_wasi_snapshot_preview1Z_args_sizes_get(void* ctx, uint32_t argc_ptr, uint32_t size_ptr) {
  return wasi_call(ctx, [&](HostContext& h) {
    write_string_list_sizes(h, h.config().args, argc_ptr, size_ptr);
    return Errno::Success;
  });
}

uint32_t Z_wasi_snapshot_preview1Z_environ_get(void* ctx, uint32_t env_ptrs, uint32_t buf) {
  return wasi_call(ctx, [&](HostContext& h) {
    write_string_list(h, h.config().env, env_ptrs, buf);
    return Errno::Success;
  });
}

uint32_t Z_wasi_snapshot_preview1Z_environ_sizes_get(void* ctx, uint32_t count_ptr,
                                                     uint32_t size_ptr) {
  return wasi_call(ctx, [&](HostContext& h) {
    write_string_list_sizes(h, h.config().env, count_ptr, size_ptr);
    return Errno::Success;
  });
}

// --- clocks, randomness, scheduling, process ---

uint32_t Z_wasi_snapshot_preview1Z_clock_res_get(void* ctx, uint32_t id, uint32_t res_ptr) {
  return wasi_call(ctx, [&](HostContext& h) {
    clockid_t c = CLOCK_MONOTONIC;
    if (!host_clock(id, c)) return Errno::Inval;
    timespec ts{};
    if (clock_getres(c, &ts) != 0) return last_errno();
    h.memory().store(res_ptr, static_cast<uint64_t>(ts.tv_sec) * 1'000'000'000u +
                                  static_cast<uint64_t>(ts.tv_nsec));
    return Errno::Success;
  });
}

uint32_t Z_wasi_snapshot_preview1Z_clock_time_get(void* ctx, uint32_t id, uint64_t /*precision*/,
                                                  uint32_t time_ptr) {
  return wasi_call(ctx, [&](HostContext& h) {
    clockid_t c = CLOCK_MONOTONIC;
    if (!host_clock(id, c)) return Errno::Inval;
    h.memory().store(time_ptr, clock_ns(c));
    return Errno::Success;
  });
}

uint32_t Z_wasi_snapshot_preview1Z_random_get(void* ctx, uint32_t buf, uint32_t len) {
  return wasi_call(ctx, [&](HostContext& h) {
    auto dest = h.memory().bytes(buf, len);
    size_t done = 0;
    while (done < dest.size()) {
      ssize_t r = getrandom(dest.data() + done, dest.size() - done, 0);
      if (r < 0) {
        if (errno == EINTR) continue;  // large requests can be interrupted; nothing is lost
        return last_errno();
      }
      done += static_cast<size_t>(r);
    }
    return Errno::Success;
  });
}

uint32_t Z_wasi_snapshot_preview1Z_sched_yield(void* ctx) {
  return wasi_call(ctx, [&](HostContext&) {
    sched_yield();
    return Errno::Success;
  });
}

void Z_wasi_snapshot_preview1Z_proc_exit(void* ctx, uint32_t code) {
  host_call<void>(ctx, [&](HostContext&) { throw GuestExit{static_cast<int>(code)}; });
}

uint32_t Z_wasi_snapshot_preview1Z_proc_raise(void* ctx, uint32_t /*sig*/) {
  return wasi_call(ctx, [&](HostContext&) { return Errno::NoSys; });
}

uint32_t Z_wasi_snapshot_preview1Z_poll_oneoff(void* ctx, uint32_t in, uint32_t out, uint32_t nsubs,
                                               uint32_t nevents_ptr) {
  return wasi_call(ctx,
                   [&](HostContext& h) { return poll_oneoff(h, in, out, nsubs, nevents_ptr); });
}

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
    return ftruncate(e->fd(), len) == 0 ? Errno::Success : last_errno();
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

// --- sockets: no socket can be opened or handed in, so none of these has anything to act on ---

uint32_t Z_wasi_snapshot_preview1Z_sock_accept(void* ctx, uint32_t, uint32_t, uint32_t) {
  return wasi_call(ctx, [&](HostContext&) { return Errno::NoSys; });
}

uint32_t Z_wasi_snapshot_preview1Z_sock_recv(void* ctx, uint32_t, uint32_t, uint32_t, uint32_t,
                                             uint32_t, uint32_t) {
  return wasi_call(ctx, [&](HostContext&) { return Errno::NoSys; });
}

uint32_t Z_wasi_snapshot_preview1Z_sock_send(void* ctx, uint32_t, uint32_t, uint32_t, uint32_t,
                                             uint32_t) {
  return wasi_call(ctx, [&](HostContext&) { return Errno::NoSys; });
}

uint32_t Z_wasi_snapshot_preview1Z_sock_shutdown(void* ctx, uint32_t, uint32_t) {
  return wasi_call(ctx, [&](HostContext&) { return Errno::NoSys; });
}

}  // extern "C"

namespace wasmlet::host {

std::span<const HostFunction> wasi_functions() {
// One table entry; the symbol is derived from the name so the two cannot disagree.
#define WASI_FN(name, sig)                                               \
  HostFunction {                                                         \
    "wasi_snapshot_preview1", #name, sig,                                \
        reinterpret_cast<const void*>(&Z_wasi_snapshot_preview1Z_##name) \
  }
  static const HostFunction table[] = {
      WASI_FN(args_get, "ii>i"),
      WASI_FN(args_sizes_get, "ii>i"),
      WASI_FN(environ_get, "ii>i"),
      WASI_FN(environ_sizes_get, "ii>i"),
      WASI_FN(clock_res_get, "ii>i"),
      WASI_FN(clock_time_get, "iji>i"),
      WASI_FN(fd_advise, "ijji>i"),
      WASI_FN(fd_allocate, "ijj>i"),
      WASI_FN(fd_close, "i>i"),
      WASI_FN(fd_datasync, "i>i"),
      WASI_FN(fd_fdstat_get, "ii>i"),
      WASI_FN(fd_fdstat_set_flags, "ii>i"),
      WASI_FN(fd_fdstat_set_rights, "ijj>i"),
      WASI_FN(fd_filestat_get, "ii>i"),
      WASI_FN(fd_filestat_set_size, "ij>i"),
      WASI_FN(fd_filestat_set_times, "ijji>i"),
      WASI_FN(fd_pread, "iiiji>i"),
      WASI_FN(fd_prestat_get, "ii>i"),
      WASI_FN(fd_prestat_dir_name, "iii>i"),
      WASI_FN(fd_pwrite, "iiiji>i"),
      WASI_FN(fd_read, "iiii>i"),
      WASI_FN(fd_readdir, "iiiji>i"),
      WASI_FN(fd_renumber, "ii>i"),
      WASI_FN(fd_seek, "ijii>i"),
      WASI_FN(fd_sync, "i>i"),
      WASI_FN(fd_tell, "ii>i"),
      WASI_FN(fd_write, "iiii>i"),
      WASI_FN(path_create_directory, "iii>i"),
      WASI_FN(path_filestat_get, "iiiii>i"),
      WASI_FN(path_filestat_set_times, "iiiijji>i"),
      WASI_FN(path_link, "iiiiiii>i"),
      WASI_FN(path_open, "iiiiijjii>i"),
      WASI_FN(path_readlink, "iiiiii>i"),
      WASI_FN(path_remove_directory, "iii>i"),
      WASI_FN(path_rename, "iiiiii>i"),
      WASI_FN(path_symlink, "iiiii>i"),
      WASI_FN(path_unlink_file, "iii>i"),
      WASI_FN(poll_oneoff, "iiii>i"),
      WASI_FN(proc_exit, "i>"),
      WASI_FN(proc_raise, "i>i"),
      WASI_FN(sched_yield, ">i"),
      WASI_FN(random_get, "ii>i"),
      WASI_FN(sock_accept, "iii>i"),
      WASI_FN(sock_recv, "iiiiii>i"),
      WASI_FN(sock_send, "iiiii>i"),
      WASI_FN(sock_shutdown, "ii>i"),
  };
#undef WASI_FN
  return table;
}

}  // namespace wasmlet::host
