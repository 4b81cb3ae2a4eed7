// The imports a Python host program uses (module "env"): Faasm's __faasm_get_py_* (which
// module and entry to run), and Wasmlet's call information and error reporting.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <string_view>

#include "host/host_call.h"
#include "host/host_function.h"
#include "host/host_imports.h"

using wasmlet::host::host_call;
using wasmlet::host::HostContext;

namespace {

// Copies `value` into a guest buffer of `len` bytes, NUL-terminated when it fits.
void write_string(HostContext& h, uint32_t buf, uint32_t len, std::string_view value) {
  if (len == 0) return;
  size_t n = std::min<size_t>(value.size(), len - 1);
  h.memory().write(buf, value.substr(0, n));
  h.memory().write(buf + static_cast<uint32_t>(n), std::string_view("\0", 1));
}

}  // namespace

extern "C" {

// void __faasm_get_py_user(unsigned char* buf, long len)
void Z_envZ___faasm_get_py_user(void* ctx, uint32_t buf, uint32_t len) {
  host_call<void>(ctx,
                  [&](HostContext& h) { write_string(h, buf, len, h.config().identity.user); });
}

// void __faasm_get_py_func(unsigned char* buf, long len)
void Z_envZ___faasm_get_py_func(void* ctx, uint32_t buf, uint32_t len) {
  host_call<void>(ctx,
                  [&](HostContext& h) { write_string(h, buf, len, h.config().identity.name); });
}

// void __faasm_get_py_entry(unsigned char* buf, long len): the entry this call runs; empty
// for the function's default entry.
void Z_envZ___faasm_get_py_entry(void* ctx, uint32_t buf, uint32_t len) {
  host_call<void>(ctx, [&](HostContext& h) { write_string(h, buf, len, h.call_info().entry); });
}

// long long __wasmlet_call_id(void)
uint64_t Z_envZ___wasmlet_call_id(void* ctx) {
  return host_call<uint64_t>(ctx, [&](HostContext& h) { return h.call_info().id; });
}

// long long __wasmlet_remaining_ms(void): time left before the call's deadline, 0 when past.
uint64_t Z_envZ___wasmlet_remaining_ms(void* ctx) {
  return host_call<uint64_t>(ctx, [&](HostContext& h) -> uint64_t {
    auto left = h.call_info().deadline - std::chrono::steady_clock::now();
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(left).count();
    return ms > 0 ? static_cast<uint64_t>(ms) : 0;
  });
}

// void __wasmlet_set_error(const char* text, long len): the guest's own account of why its
// call failed (a Python traceback), reported as the call's error.
void Z_envZ___wasmlet_set_error(void* ctx, uint32_t ptr, uint32_t len) {
  host_call<void>(ctx, [&](HostContext& h) { h.set_error(h.memory().string(ptr, len)); });
}

}  // extern "C"

namespace wasmlet::host {

std::span<const HostFunction> python_functions() {
  static const HostFunction table[] = {
      WASMLET_HOST_IMPORT(env, __faasm_get_py_user),
      WASMLET_HOST_IMPORT(env, __faasm_get_py_func),
      WASMLET_HOST_IMPORT(env, __faasm_get_py_entry),
      WASMLET_HOST_IMPORT(env, __wasmlet_call_id),
      WASMLET_HOST_IMPORT(env, __wasmlet_remaining_ms),
      WASMLET_HOST_IMPORT(env, __wasmlet_set_error),
  };
  return table;
}

}  // namespace wasmlet::host
