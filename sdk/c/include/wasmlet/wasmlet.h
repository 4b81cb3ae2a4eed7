/* Wasmlet's own guest API: the call's input and output. Include this for new code; include
 * <faasm/faasm.h> for code written for Faasm. Both talk to the same host functions. */
#ifndef WASMLET_WASMLET_H
#define WASMLET_WASMLET_H

#include <stddef.h>
#include <stdint.h>

#include "faasm/host_interface.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Size of this call's input in bytes. */
static inline size_t wasmlet_input_size(void) { return (size_t)__faasm_read_input(0, 0); }

/* Copies up to `capacity` input bytes into `buffer`; returns how many were copied. */
static inline size_t wasmlet_read_input(void* buffer, size_t capacity) {
  size_t total = (size_t)__faasm_read_input((unsigned char*)buffer, (long)capacity);
  return total < capacity ? total : capacity;
}

/* Sets this call's output. Calling it again replaces the earlier output. */
static inline void wasmlet_set_output(const void* data, size_t len) {
  __faasm_write_output((const unsigned char*)data, (long)len);
}

#ifdef __cplusplus
}
#endif

#endif
