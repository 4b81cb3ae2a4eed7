/* Faasm's C names for chaining and state. */
#ifndef FAASM_CORE_H
#define FAASM_CORE_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "faasm/host_interface.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef int (*FaasmFuncPtr)(void);

/* Faasm's byte-pointer casts: BYTES(p) is p as uint8_t*, BYTES_CONST(p) as const uint8_t*. */
#ifdef __cplusplus
#define BYTES(arr) reinterpret_cast<uint8_t*>(arr)
#define BYTES_CONST(arr) reinterpret_cast<const uint8_t*>(arr)
#else
#define BYTES(arr) ((uint8_t*)(arr))
#define BYTES_CONST(arr) ((const uint8_t*)(arr))
#endif

/* Faasm's zygote hook, `FAASM_ZYGOTE() { ...; return 0; }`: runs once, before the snapshot
 * every call starts from is taken (docs/faaslets.md). */
int _faasm_zygote(void);
#define FAASM_ZYGOTE() __attribute__((export_name("_faasm_zygote"))) int _faasm_zygote(void)

/* Older Faasm sources define their entry point as `FAASM_MAIN_FUNC() { ... }`. */
#define FAASM_MAIN_FUNC() int main(void)

/* Faasm's other names for the conf flag and backtrace imports. */
static inline unsigned int getConfFlag(const char* key) { return __faasm_conf_flag(key); }
static inline void faasmBacktrace(int depth) { __faasm_backtrace(depth); }

/* Runs `fn` (a function of this module) in a new Faaslet with the given input. */
static inline unsigned int faasmChain(FaasmFuncPtr fn, const uint8_t* input, long inputLen) {
  return __faasm_chain_ptr(fn, input, inputLen);
}

/* Runs the function called `name` (of the same user) with the given input. */
static inline unsigned int faasmChainNamed(const char* name, const uint8_t* input, long inputLen) {
  return __faasm_chain_name(name, input, inputLen);
}

/* Waits for a chained call; returns its return code (non-zero if it failed or trapped). */
static inline int faasmAwaitCall(unsigned int callId) { return __faasm_await_call(callId); }

/* As faasmAwaitCall, also handing back the callee's output. */
static inline int faasmAwaitCallOutput(unsigned int callId, char** output, int* outputLen) {
  return __faasm_await_call_output(callId, output, outputLen);
}

/* Chains fn nFuncs times with the same string input, then waits for every call; 0 when all
 * succeeded, 1 otherwise. */
static inline unsigned int faasmChainBatch(FaasmFuncPtr fn, const char* input, int nFuncs) {
  if (nFuncs <= 0) return 0;
  unsigned int* ids = (unsigned int*)malloc(sizeof(unsigned int) * (size_t)nFuncs);
  if (ids == NULL) return 1;
  long len = (long)strlen(input);
  for (int i = 0; i < nFuncs; ++i) ids[i] = faasmChain(fn, (const uint8_t*)input, len);
  unsigned int failed = 0;
  for (int i = 0; i < nFuncs; ++i) failed |= faasmAwaitCall(ids[i]) != 0;
  free(ids);
  return failed;
}

/* State. Sizes and offsets are checked by the host: a bad one fails the call. */
static inline long faasmReadStateSize(const char* key) { return __faasm_read_state(key, 0, 0); }
static inline long faasmReadState(const char* key, uint8_t* buffer, long bufferLen) {
  return __faasm_read_state(key, buffer, bufferLen);
}
static inline uint8_t* faasmReadStatePtr(const char* key, long totalLen) {
  return __faasm_read_state_ptr(key, totalLen);
}
static inline uint8_t* faasmReadStateOffsetPtr(const char* key, long totalLen, long offset,
                                               long len) {
  return __faasm_read_state_offset_ptr(key, totalLen, offset, len);
}
static inline void faasmReadStateOffset(const char* key, long totalLen, long offset,
                                        uint8_t* buffer, long bufferLen) {
  __faasm_read_state_offset(key, totalLen, offset, buffer, bufferLen);
}
static inline void faasmWriteState(const char* key, const uint8_t* data, long dataLen) {
  __faasm_write_state(key, data, dataLen);
}
static inline void faasmWriteStateOffset(const char* key, long totalLen, long offset,
                                         const uint8_t* data, long dataLen) {
  __faasm_write_state_offset(key, totalLen, offset, data, dataLen);
}
static inline unsigned int faasmWriteStateFromFile(const char* key, const char* path) {
  return __faasm_write_state_from_file(key, path);
}
static inline void faasmAppendState(const char* key, const uint8_t* data, long dataLen) {
  __faasm_append_state(key, data, dataLen);
}
static inline void faasmReadAppendedState(const char* key, uint8_t* buffer, long bufferLen,
                                          long nElems) {
  __faasm_read_appended_state(key, buffer, bufferLen, nElems);
}
static inline void faasmClearAppendedState(const char* key) { __faasm_clear_appended_state(key); }
static inline void faasmFlagStateDirty(const char* key, long totalLen) {
  __faasm_flag_state_dirty(key, totalLen);
}
static inline void faasmFlagStateOffsetDirty(const char* key, long totalLen, long offset,
                                             long len) {
  __faasm_flag_state_offset_dirty(key, totalLen, offset, len);
}
static inline void faasmPushState(const char* key) { __faasm_push_state(key); }
static inline void faasmPushStatePartial(const char* key) { __faasm_push_state_partial(key); }
static inline void faasmPushStatePartialMask(const char* key, const char* maskKey) {
  __faasm_push_state_partial_mask(key, maskKey);
}
static inline void faasmPullState(const char* key, long stateLen) {
  __faasm_pull_state(key, stateLen);
}
static inline void faasmLockStateRead(const char* key) { __faasm_lock_state_read(key); }
static inline void faasmUnlockStateRead(const char* key) { __faasm_unlock_state_read(key); }
static inline void faasmLockStateWrite(const char* key) { __faasm_lock_state_write(key); }
static inline void faasmUnlockStateWrite(const char* key) { __faasm_unlock_state_write(key); }

#ifdef __cplusplus
}
#endif

#endif
