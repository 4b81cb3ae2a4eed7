/* wasi-libc's <unistd.h>, plus what it leaves out and Faasm's sysroot has: the user and group
 * ids (a Faaslet runs as the one user /etc/passwd lists), dup() and dup2(). */
#ifndef WASMLET_COMPAT_UNISTD_H
#define WASMLET_COMPAT_UNISTD_H

#include_next <unistd.h>

#include "wasmlet/faaslet_user.h"
#include "wasmlet_fd_dup.h"

#ifdef __cplusplus
extern "C" {
#endif

static inline uid_t getuid(void) { return WASMLET_FAASLET_UID; }
static inline uid_t geteuid(void) { return WASMLET_FAASLET_UID; }
static inline gid_t getgid(void) { return WASMLET_FAASLET_GID; }
static inline gid_t getegid(void) { return WASMLET_FAASLET_GID; }

static inline int dup(int fd) {
  if (fd < 0) {
    errno = EBADF;
    return -1;
  }
  return __wasmlet_dup_result(__wasmlet_fd_dup(fd, 0, 0));
}

static inline int dup2(int fd, int target) {
  if (fd < 0 || target < 0) {
    errno = EBADF;
    return -1;
  }
  return __wasmlet_dup_result(__wasmlet_fd_dup(fd, target, 1));
}

#ifdef __cplusplus
}
#endif

#endif
