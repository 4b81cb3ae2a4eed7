/* The imports a Faasm-compatible host provides (module "env"), as Faasm's guest ABI names them.
 * Wasmlet implements these; the declarations are written for Wasmlet's SDK. */
#ifndef FAASM_HOST_INTERFACE_H
#define FAASM_HOST_INTERFACE_H

#ifdef __cplusplus
extern "C" {
#endif

#define WASMLET_IMPORT(name) __attribute__((import_module("env"), import_name(#name)))

WASMLET_IMPORT(__faasm_read_input) long __faasm_read_input(unsigned char* buffer, long bufferLen);
WASMLET_IMPORT(__faasm_write_output) void __faasm_write_output(const unsigned char* output, long outputLen);
WASMLET_IMPORT(__faasm_conf_flag) unsigned int __faasm_conf_flag(const char* key);
WASMLET_IMPORT(__faasm_backtrace) void __faasm_backtrace(int depth);

/* Chaining: start a call by function name (same user) or by function pointer (same module,
 * run in its own Faaslet), then wait for it. Ids are this call's own. */
WASMLET_IMPORT(__faasm_chain_name)
unsigned int __faasm_chain_name(const char* name, const unsigned char* input, long inputLen);
WASMLET_IMPORT(__faasm_chain_ptr)
unsigned int __faasm_chain_ptr(int (*fn)(void), const unsigned char* input, long inputLen);
WASMLET_IMPORT(__faasm_chain_py)
unsigned int __faasm_chain_py(const char* entry, const unsigned char* input, long inputLen);
WASMLET_IMPORT(__faasm_await_call) int __faasm_await_call(unsigned int callId);
/* Waits, then sets *output to the callee's output (placed in fresh memory of this call) and
 * *outputLen to its length. */
WASMLET_IMPORT(__faasm_await_call_output)
int __faasm_await_call_output(unsigned int callId, char** output, int* outputLen);

#ifdef __cplusplus
}
#endif

#endif
