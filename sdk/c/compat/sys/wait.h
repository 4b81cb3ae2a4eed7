/* <sys/wait.h>, which wasi-libc lacks. A Faaslet starts no processes; like Faasm's sysroot,
 * waitpid reports the pid it is given as exited with status 0 and never blocks, so code that
 * waits for helpers it could not have started carries on. wait() has no child to name: ECHILD. */
#ifndef WASMLET_COMPAT_SYS_WAIT_H
#define WASMLET_COMPAT_SYS_WAIT_H

#include <errno.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

#define WNOHANG 1
#define WUNTRACED 2

#define WEXITSTATUS(s) (((s) & 0xff00) >> 8)
#define WTERMSIG(s) ((s) & 0x7f)
#define WSTOPSIG(s) WEXITSTATUS(s)
#define WIFEXITED(s) (!WTERMSIG(s))
#define WIFSIGNALED(s) (((s) & 0xffff) - 1U < 0xffu)
#define WIFSTOPPED(s) ((short)((((s) & 0xffff) * 0x10001) >> 8) > 0x7f00)

static inline pid_t waitpid(pid_t pid, int* status, int options) {
  (void)options;
  if (pid <= 0) {
    errno = ECHILD;
    return -1;
  }
  if (status) *status = 0;
  return pid;
}

static inline pid_t wait(int* status) {
  (void)status;
  errno = ECHILD;
  return -1;
}

#ifdef __cplusplus
}
#endif

#endif
