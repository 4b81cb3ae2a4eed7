/* The one user a Faaslet runs as: what getuid(), getpwuid() and /etc/passwd say. */
#ifndef WASMLET_FAASLET_USER_H
#define WASMLET_FAASLET_USER_H

#define WASMLET_FAASLET_UID 1000
#define WASMLET_FAASLET_GID 1000
#define WASMLET_FAASLET_USER_NAME "faasm"
#define WASMLET_FAASLET_USER_HOME "/"
#define WASMLET_FAASLET_USER_SHELL "/bin/false"

#endif
