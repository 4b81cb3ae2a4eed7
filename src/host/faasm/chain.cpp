// Faasm's chaining imports (module "env"): start calls of other functions, or of another
// entry of this module, and wait for them. The work itself is the ChainHandler's.
#include <cstdint>
#include <string>

#include "host/chain_handler.h"
#include "host/host_call.h"
#include "host/host_function.h"
#include "host/host_imports.h"

using wasmlet::host::host_call;
using wasmlet::host::HostContext;

namespace {

wasmlet::host::ChainHandler& handler(HostContext& h) {
  if (h.chain_handler() == nullptr) {
    throw wasmlet::Error("chaining is only available to functions run by the Wasmlet runtime");
  }
  return *h.chain_handler();
}

}  // namespace

extern "C" {

// unsigned int __faasm_chain_name(const char* name, const unsigned char* in, long inLen)
uint32_t Z_envZ___faasm_chain_name(void* ctx, uint32_t name, uint32_t in, uint32_t len) {
  return host_call<uint32_t>(ctx, [&](HostContext& h) {
    std::string fn(h.memory().c_string(name));
    return handler(h).chain_by_name(fn, std::string(h.memory().string(in, len)));
  });
}

// unsigned int __faasm_chain_ptr(int (*fn)(), const unsigned char* in, long inLen): a wasm
// function pointer is its index in the function table.
uint32_t Z_envZ___faasm_chain_ptr(void* ctx, uint32_t fn, uint32_t in, uint32_t len) {
  return host_call<uint32_t>(ctx, [&](HostContext& h) {
    return handler(h).chain_by_table_index(fn, std::string(h.memory().string(in, len)));
  });
}

// unsigned int __faasm_chain_py(const char* entry, const unsigned char* in, long inLen)
uint32_t Z_envZ___faasm_chain_py(void* ctx, uint32_t entry, uint32_t in, uint32_t len) {
  return host_call<uint32_t>(ctx, [&](HostContext& h) {
    std::string name(h.memory().c_string(entry));
    return handler(h).chain_python_entry(name, std::string(h.memory().string(in, len)));
  });
}

// int __faasm_await_call(unsigned int id)
uint32_t Z_envZ___faasm_await_call(void* ctx, uint32_t id) {
  return host_call<uint32_t>(ctx, [&](HostContext& h) {
    return static_cast<uint32_t>(handler(h).await_call(id, nullptr));
  });
}

// int __faasm_await_call_output(unsigned int id, char** out, int* outLen): the output is placed
// in newly grown guest memory, its address stored at *out and its length at *outLen.
uint32_t Z_envZ___faasm_await_call_output(void* ctx, uint32_t id, uint32_t out_ptr,
                                          uint32_t len_ptr) {
  return host_call<uint32_t>(ctx, [&](HostContext& h) {
    std::string output;
    int code = handler(h).await_call(id, &output);
    uint32_t at = h.memory().append(output);
    h.memory().store<uint32_t>(out_ptr, at);
    h.memory().store<uint32_t>(len_ptr, static_cast<uint32_t>(output.size()));
    return static_cast<uint32_t>(code);
  });
}

}  // extern "C"

namespace wasmlet::host {

std::span<const HostFunction> faasm_chain_functions() {
  static const HostFunction table[] = {
      WASMLET_HOST_IMPORT(env, __faasm_chain_name),
      WASMLET_HOST_IMPORT(env, __faasm_chain_ptr),
      WASMLET_HOST_IMPORT(env, __faasm_chain_py),
      WASMLET_HOST_IMPORT(env, __faasm_await_call),
      WASMLET_HOST_IMPORT(env, __faasm_await_call_output),
  };
  return table;
}

}  // namespace wasmlet::host
