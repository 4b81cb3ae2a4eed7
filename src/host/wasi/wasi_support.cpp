#include "host/wasi/wasi_support.h"

#include <sys/stat.h>

namespace wasmlet::host::wasi {

Errno lookup(HostContext& h, uint32_t fd, const FdEntry*& e) {
  e = h.wasi().find(fd);
  return e != nullptr ? Errno::Success : Errno::BadF;
}

Errno lookup(HostContext& h, uint32_t fd, Rights needed, const FdEntry*& e) {
  if (Errno err = lookup(h, fd, e); failed(err)) return err;
  return e->has(needed) ? Errno::Success : Errno::NotCapable;
}

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

uint64_t clock_ns(clockid_t id) {
  timespec ts{};
  clock_gettime(id, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1'000'000'000u + static_cast<uint64_t>(ts.tv_nsec);
}

}  // namespace wasmlet::host::wasi
