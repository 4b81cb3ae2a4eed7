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

#ifdef __cplusplus
}
#endif

#endif
