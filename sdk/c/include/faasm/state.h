/* Faasm's state helpers (namespace faasm) with libfaasm's names, written for Wasmlet's SDK. */
#ifndef FAASM_STATE_H
#define FAASM_STATE_H

#include <stddef.h>
#include <stdint.h>

#include <vector>

#include "faasm/core.h"

/* All bits of one byte, and of one 32-bit mask word. */
#define BIT_MASK_8 0xFFu
#define BIT_MASK_32 0xFFFFFFFFu

namespace faasm {

/* Marks element idx of a double array dirty in a mask for faasmPushStatePartialMask: the mask
 * is read as 32-bit words, two per double. */
inline void maskDouble(unsigned int* maskArray, unsigned long idx) {
  static_assert(sizeof(double) == 2 * sizeof(unsigned int), "a double spans two mask words");
  maskArray[2 * idx] |= BIT_MASK_32;
  maskArray[2 * idx + 1] |= BIT_MASK_32;
}

/* Sets the value under key to stateLen zero bytes, here and in the global tier. */
inline void zeroState(const char* key, size_t stateLen) {
  std::vector<uint8_t> zeros(stateLen);
  faasmWriteState(key, zeros.data(), static_cast<long>(stateLen));
  faasmPushState(key);
}

}  // namespace faasm

#endif
