/* The one Emscripten extension Faasm's functions use, written for Wasmlet's SDK. */
#ifndef FAASM_EMSCRIPTEN_H
#define FAASM_EMSCRIPTEN_H

#include <stdarg.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Newlib's integer-only sprintf: here plain vsprintf, which handles every conversion. */
static inline int siprintf(char* dest, const char* format, ...) {
  va_list args;
  va_start(args, format);
  int written = vsprintf(dest, format, args);
  va_end(args);
  return written;
}

#ifdef __cplusplus
}
#endif

#endif
