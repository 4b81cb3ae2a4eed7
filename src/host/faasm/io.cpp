// Faasm's input/output imports (module "env"): reading the call's input, setting its output,
// configuration flags, backtraces and Faasm's test-only host call.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdint>

#include "host/host_call.h"
#include "host/host_function.h"
#include "host/host_imports.h"
#include "util/error.h"

using wasmlet::host::host_call;
using wasmlet::host::HostContext;

extern "C" {

// long __faasm_read_input(unsigned char* buf, long bufLen): copies up to bufLen bytes, returns
// the whole input's length (bufLen 0 asks for the length only).
uint32_t Z_envZ___faasm_read_input(void* ctx, uint32_t buf, uint32_t len) {
  return host_call<uint32_t>(ctx, [&](HostContext& h) {
    const std::string& in = h.input();
    size_t n = std::min<size_t>(len, in.size());
    h.memory().write(buf, std::string_view(in).substr(0, n));
    return static_cast<uint32_t>(in.size());
  });
}

void Z_envZ___faasm_write_output(void* ctx, uint32_t ptr, uint32_t len) {
  host_call<void>(ctx, [&](HostContext& h) { h.set_output(h.memory().string(ptr, len)); });
}

uint32_t Z_envZ___faasm_conf_flag(void* ctx, uint32_t key_ptr) {
  return host_call<uint32_t>(ctx, [&](HostContext& h) {
    std::string key(h.memory().c_string(key_ptr));
    auto it = h.config().conf_flags.find(key);
    if (it != h.config().conf_flags.end()) return it->second ? 1u : 0u;
    if (key == "ALWAYS_ON") return 1u;
    return 0u;  // ALWAYS_OFF, PYTHON_PRELOAD and unknown keys
  });
}

void Z_envZ___faasm_backtrace(void* ctx, uint32_t depth) {
  host_call<void>(ctx, [&](HostContext& h) {
    // Compiled guests carry no unwind tables; report where the request came from instead.
    h.append_stdio(2, fmt::format("[wasmlet: backtrace requested (depth {})]\n", depth));
  });
}

// void __faasm_host_interface_test(int testNumber): Faasm's test-only call. Test 1 fails inside
// the host call, to show that such a failure fails the guest's call (a HostError trap with its
// message) and nothing else; other numbers do nothing.
void Z_envZ___faasm_host_interface_test(void* ctx, uint32_t test_number) {
  host_call<void>(ctx, [&](HostContext&) {
    constexpr uint32_t kExceptionPropagationTest = 1;
    if (test_number == kExceptionPropagationTest) {
      throw wasmlet::Error("host interface test: a host call failed on purpose");
    }
  });
}

}  // extern "C"

namespace wasmlet::host {

std::span<const HostFunction> faasm_io_functions() {
  static const HostFunction table[] = {
      WASMLET_HOST_IMPORT(env, __faasm_read_input),
      WASMLET_HOST_IMPORT(env, __faasm_write_output),
      WASMLET_HOST_IMPORT(env, __faasm_conf_flag),
      WASMLET_HOST_IMPORT(env, __faasm_backtrace),
      WASMLET_HOST_IMPORT(env, __faasm_host_interface_test),
  };
  return table;
}

}  // namespace wasmlet::host
