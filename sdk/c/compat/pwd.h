/* <pwd.h>, which wasi-libc lacks. A Faaslet runs as one user, the one /etc/passwd lists (see
 * docs/faasm-compat.md); the lookups answer for it and for nobody else. */
#ifndef WASMLET_COMPAT_PWD_H
#define WASMLET_COMPAT_PWD_H

#include <errno.h>
#include <string.h>
#include <sys/types.h>

#include "wasmlet/faaslet_user.h"

#ifdef __cplusplus
extern "C" {
#endif

struct passwd {
  char* pw_name;
  char* pw_passwd;
  uid_t pw_uid;
  gid_t pw_gid;
  char* pw_gecos;
  char* pw_dir;
  char* pw_shell;
};

static inline struct passwd* __wasmlet_faaslet_passwd(void) {
  static char name[] = WASMLET_FAASLET_USER_NAME, password[] = "x", gecos[] = "",
              dir[] = WASMLET_FAASLET_USER_HOME, shell[] = WASMLET_FAASLET_USER_SHELL;
  static struct passwd entry = {name, password, WASMLET_FAASLET_UID, WASMLET_FAASLET_GID,
                                gecos, dir, shell};
  return &entry;
}

/* NULL with errno unchanged means "no such user", as POSIX has it. */
static inline struct passwd* getpwuid(uid_t uid) {
  return uid == WASMLET_FAASLET_UID ? __wasmlet_faaslet_passwd() : (struct passwd*)0;
}

static inline struct passwd* getpwnam(const char* name) {
  return strcmp(name, WASMLET_FAASLET_USER_NAME) == 0 ? __wasmlet_faaslet_passwd()
                                                       : (struct passwd*)0;
}

#ifdef __cplusplus
}
#endif

#endif
