// POSIX descriptor duplication, which WASI preview1 lacks (module "env", a Wasmlet addition):
// the SDK's dup(), dup2() and fcntl(F_DUPFD) (sdk/c/compat) call it, as Faasm's sysroot offers
// them.
#include <cstdint>

#include "host/host_call.h"
#include "host/host_function.h"
#include "host/host_imports.h"
#include "host/wasi/wasi_state.h"

using wasmlet::host::host_call;
using wasmlet::host::HostContext;
using wasmlet::host::wasi::Errno;

extern "C" {

// int __wasmlet_fd_dup(int fd, int target, int exact): the new descriptor, at the lowest free
// number from target on (dup, F_DUPFD) or at target itself (exact: dup2); a negative WASI
// errno on failure.
uint32_t Z_envZ___wasmlet_fd_dup(void* ctx, uint32_t fd, uint32_t target, uint32_t exact) {
  return host_call<uint32_t>(ctx, [&](HostContext& h) {
    uint32_t out = 0;
    Errno err = h.wasi().duplicate(fd, target, exact != 0, out);
    return err == Errno::Success ? out : -static_cast<uint32_t>(err);
  });
}

}  // extern "C"

namespace wasmlet::host {

std::span<const HostFunction> posix_functions() {
  static const HostFunction table[] = {
      WASMLET_HOST_IMPORT(env, __wasmlet_fd_dup),
  };
  return table;
}

}  // namespace wasmlet::host
