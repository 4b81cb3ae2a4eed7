/* Faasm's C convenience names for function input and output, over the host interface. */
#ifndef FAASM_FAASM_H
#define FAASM_FAASM_H

#include <stdint.h>

#include "faasm/core.h"
#include "faasm/host_interface.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Length of this call's input in bytes. */
static inline long faasmGetInputSize(void) { return __faasm_read_input(0, 0); }

/* Copies up to bufferLen bytes of input into buffer; returns the input's full length. */
static inline long faasmGetInput(uint8_t* buffer, long bufferLen) {
  return __faasm_read_input(buffer, bufferLen);
}

/* Sets this call's output (replacing any earlier output). */
static inline void faasmSetOutput(const uint8_t* output, long outputLen) {
  __faasm_write_output(output, outputLen);
}

static inline unsigned int faasmGetConfFlag(const char* key) { return __faasm_conf_flag(key); }

#ifdef __cplusplus
}
#endif

#ifdef __cplusplus
#include <string.h>

/* Newer Faasm declares the output as char*; both spellings compile. */
inline void faasmSetOutput(const char* output, long outputLen) {
  faasmSetOutput(reinterpret_cast<const uint8_t*>(output), outputLen);
}
/* Older Faasm code passes its own buffer: up to bufferLen bytes of the output are copied. */
inline unsigned int faasmAwaitCallOutput(unsigned int callId, uint8_t* buffer, long bufferLen) {
  char* out = nullptr;
  int outLen = 0;
  int rc = faasmAwaitCallOutput(callId, &out, &outLen);
  long n = outLen < bufferLen ? outLen : bufferLen;
  if (n > 0) memcpy(buffer, out, static_cast<size_t>(n));
  return static_cast<unsigned int>(rc);
}

#include "faasm/input.h"
#endif

#endif
