/* wasi-libc's <fcntl.h>, plus F_DUPFD, which Faasm's sysroot has: fcntl(fd, F_DUPFD, min)
 * gives the lowest free descriptor from min on for fd's open file. */
#ifndef WASMLET_COMPAT_FCNTL_H
#define WASMLET_COMPAT_FCNTL_H

#include_next <fcntl.h>

#include <stdarg.h>

#include "wasmlet_fd_dup.h"

#ifdef __cplusplus
extern "C" {
#endif

#define F_DUPFD 0
#ifndef F_DUPFD_CLOEXEC
#define F_DUPFD_CLOEXEC 1030 /* Linux's number; a Faaslet runs no exec, so it is F_DUPFD */
#endif

/* Every fcntl command takes at most one int; reading it when none was passed is what musl's
 * own fcntl does too. */
static inline int __wasmlet_fcntl(int fd, int cmd, ...) {
  va_list args;
  va_start(args, cmd);
  int arg = va_arg(args, int);
  va_end(args);
  if (cmd == F_DUPFD || cmd == F_DUPFD_CLOEXEC) {
    if (fd < 0 || arg < 0) {
      errno = fd < 0 ? EBADF : EINVAL;
      return -1;
    }
    return __wasmlet_dup_result(__wasmlet_fd_dup(fd, arg, 0));
  }
  return fcntl(fd, cmd, arg);
}

#define fcntl __wasmlet_fcntl

#ifdef __cplusplus
}
#endif

#endif
