/* Wasmlet's host call behind the compat dup(), dup2() and fcntl(F_DUPFD). */
#ifndef WASMLET_COMPAT_FD_DUP_H
#define WASMLET_COMPAT_FD_DUP_H

#include <errno.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The new descriptor, at the lowest free number from target on or (exact) at target; a
 * negative errno on failure. It shares the original's offset and flags, as after dup(2). */
__attribute__((import_module("env"), import_name("__wasmlet_fd_dup"))) int __wasmlet_fd_dup(
    int fd, int target, int exact);

static inline int __wasmlet_dup_result(int r) {
  if (r >= 0) return r;
  errno = -r;
  return -1;
}

#ifdef __cplusplus
}
#endif

#endif
