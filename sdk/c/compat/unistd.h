/* wasi-libc's <unistd.h>, plus the user and group ids it leaves out: a Faaslet runs as the one
 * user /etc/passwd lists. */
#ifndef WASMLET_COMPAT_UNISTD_H
#define WASMLET_COMPAT_UNISTD_H

#include_next <unistd.h>

#include "wasmlet/faaslet_user.h"

#ifdef __cplusplus
extern "C" {
#endif

static inline uid_t getuid(void) { return WASMLET_FAASLET_UID; }
static inline uid_t geteuid(void) { return WASMLET_FAASLET_UID; }
static inline gid_t getgid(void) { return WASMLET_FAASLET_GID; }
static inline gid_t getegid(void) { return WASMLET_FAASLET_GID; }

#ifdef __cplusplus
}
#endif

#endif
