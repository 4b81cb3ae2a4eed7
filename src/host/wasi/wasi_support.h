#pragma once
// What the WASI preview1 imports (module "wasi_snapshot_preview1", in wasi_fd.cpp, wasi_path.cpp,
// wasi_poll.cpp and wasi_process.cpp) share. Each import returns a WASI errno; results go to
// guest memory through bounds-checked GuestMemory (a bad pointer traps).
//
// Error conventions, applied in this order:
//  - an fd that is not open: EBADF; a path operation on an fd that is not a directory: ENOTDIR;
//  - a missing right: EBADF for reading or writing data (what POSIX says for an fd opened
//    without that access mode), ENOTCAPABLE for anything else; seeking or positional I/O on
//    stdio: ESPIPE;
//  - any change below a read-only directory (the root "/" of a plain run, /etc; with Faasm's
//    files the shared files, whose names under the overlay "/" cannot be removed) (create,
//    truncate or open for writing, mkdir, rmdir, unlink, rename from or into it, set times,
//    set size, allocate): EROFS, as a read-only mount would answer;
//  - past the scratch budget (FsConfig::max_scratch_bytes, max_scratch_files) or the number of
//    faasm:// files a call may write: EDQUOT; a faasm:// file past its size bound: EFBIG;
//  - a path that leaves its directory (absolute, too many "..", a symlink pointing out):
//    ENOTCAPABLE.
// Not supported, answering ENOSYS: path_link, path_symlink, proc_raise and the sock_* calls.
// (A hard link from /tmp to a shared file would make that file writable when both live on one
// file system, and guest-made symlinks would be left for host tools to follow.)
#include <time.h>

#include <cstdint>

#include "host/host_call.h"
#include "host/host_context.h"
#include "host/wasi/wasi_abi.h"
#include "host/wasi/wasi_errno.h"
#include "host/wasi/wasi_state.h"

namespace wasmlet::host::wasi {

inline bool failed(Errno e) { return e != Errno::Success; }

// Runs an import body that answers an Errno, inside the host-call boundary.
template <class F>
uint32_t wasi_call(void* ctx, F&& body) {
  return host_call<uint32_t>(ctx, [&](HostContext& h) { return static_cast<uint32_t>(body(h)); });
}

// The open descriptor `fd`, or EBADF.
Errno lookup(HostContext& h, uint32_t fd, const FdEntry*& e);
// The open descriptor `fd` if it has the `needed` rights: EBADF or ENOTCAPABLE otherwise.
Errno lookup(HostContext& h, uint32_t fd, Rights needed, const FdEntry*& e);

// WASI timestamps and fstflags as the timespec pair utimensat wants.
Errno make_times(uint64_t atim, uint64_t mtim, uint32_t flags, timespec ts[2]);

// The current time of a host clock in nanoseconds.
uint64_t clock_ns(clockid_t id);

}  // namespace wasmlet::host::wasi
