/* wasi-libc's <errno.h>, plus the accessor glibc, musl and Faasm's sysroot declare there. */
#ifndef WASMLET_COMPAT_ERRNO_H
#define WASMLET_COMPAT_ERRNO_H

#include_next <errno.h>

#ifdef __cplusplus
extern "C" {
#endif

/* wasi-libc keeps errno in a plain variable and has no function returning its address. */
static inline int* __errno_location(void) { return &errno; }

#ifdef __cplusplus
}
#endif

#endif
