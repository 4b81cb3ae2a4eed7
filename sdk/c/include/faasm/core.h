/* Faasm's C names for chaining (and, with the state issue, state). */
#ifndef FAASM_CORE_H
#define FAASM_CORE_H

#include <stdint.h>

#include "faasm/host_interface.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef int (*FaasmFuncPtr)(void);

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

#ifdef __cplusplus
}
#endif

#endif
