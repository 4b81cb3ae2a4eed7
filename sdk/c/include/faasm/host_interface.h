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

/* State: values by key for this function's user (see docs/state.md). */
WASMLET_IMPORT(__faasm_read_state)
long __faasm_read_state(const char* key, unsigned char* buffer, long bufferLen);
WASMLET_IMPORT(__faasm_read_state_ptr)
unsigned char* __faasm_read_state_ptr(const char* key, long totalLen);
WASMLET_IMPORT(__faasm_read_state_offset_ptr)
unsigned char* __faasm_read_state_offset_ptr(const char* key, long totalLen, long offset, long len);
WASMLET_IMPORT(__faasm_write_state)
void __faasm_write_state(const char* key, const unsigned char* data, long dataLen);
WASMLET_IMPORT(__faasm_write_state_offset)
void __faasm_write_state_offset(const char* key, long totalLen, long offset,
                                const unsigned char* data, long dataLen);
WASMLET_IMPORT(__faasm_read_state_offset)
void __faasm_read_state_offset(const char* key, long totalLen, long offset, unsigned char* buffer,
                               long bufferLen);
WASMLET_IMPORT(__faasm_write_state_from_file)
unsigned int __faasm_write_state_from_file(const char* key, const char* filePath);
WASMLET_IMPORT(__faasm_append_state)
void __faasm_append_state(const char* key, const unsigned char* data, long dataLen);
WASMLET_IMPORT(__faasm_read_appended_state)
void __faasm_read_appended_state(const char* key, unsigned char* buffer, long bufferLen,
                                 long nElems);
WASMLET_IMPORT(__faasm_clear_appended_state) void __faasm_clear_appended_state(const char* key);
WASMLET_IMPORT(__faasm_flag_state_dirty) void __faasm_flag_state_dirty(const char* key, long totalLen);
WASMLET_IMPORT(__faasm_flag_state_offset_dirty)
void __faasm_flag_state_offset_dirty(const char* key, long totalLen, long offset, long len);
WASMLET_IMPORT(__faasm_push_state) void __faasm_push_state(const char* key);
WASMLET_IMPORT(__faasm_push_state_partial) void __faasm_push_state_partial(const char* key);
WASMLET_IMPORT(__faasm_push_state_partial_mask)
void __faasm_push_state_partial_mask(const char* key, const char* maskKey);
WASMLET_IMPORT(__faasm_pull_state) void __faasm_pull_state(const char* key, long stateLen);
WASMLET_IMPORT(__faasm_lock_state_read) void __faasm_lock_state_read(const char* key);
WASMLET_IMPORT(__faasm_unlock_state_read) void __faasm_unlock_state_read(const char* key);
WASMLET_IMPORT(__faasm_lock_state_write) void __faasm_lock_state_write(const char* key);
WASMLET_IMPORT(__faasm_unlock_state_write) void __faasm_unlock_state_write(const char* key);

/* Python: which module and entry the CPython host program runs. */
WASMLET_IMPORT(__faasm_get_py_user) void __faasm_get_py_user(unsigned char* buffer, long bufferLen);
WASMLET_IMPORT(__faasm_get_py_func) void __faasm_get_py_func(unsigned char* buffer, long bufferLen);
WASMLET_IMPORT(__faasm_get_py_entry)
void __faasm_get_py_entry(unsigned char* buffer, long bufferLen);

/* Wasmlet's additions: what a call may know of itself, and a failure's own account. */
WASMLET_IMPORT(__wasmlet_call_id) long long __wasmlet_call_id(void);
WASMLET_IMPORT(__wasmlet_remaining_ms) long long __wasmlet_remaining_ms(void);
WASMLET_IMPORT(__wasmlet_set_error) void __wasmlet_set_error(const char* text, long len);

#ifdef __cplusplus
}
#endif

#endif
