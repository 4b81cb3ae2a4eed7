/* Faasm's C++ input and output helpers (namespace faasm), with the names and signatures of
 * Faasm's libfaasm so that its sources compile unchanged. Written for Wasmlet's SDK.
 *
 * Buffers these helpers allocate are never freed by them: a Faaslet's memory is restored
 * from its snapshot after every call, so they cannot outlive the call. */
#ifndef FAASM_INPUT_H
#define FAASM_INPUT_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <string>
#include <type_traits>

#include "faasm/faasm.h"

namespace faasm {

/* The first sizeof(T) input bytes as a T (a value the caller sent in binary); defaultValue
 * when there is no input. Input shorter than a T leaves the rest zero. */
template <typename T>
T getTypedInput(T defaultValue) {
  static_assert(std::is_trivially_copyable_v<T>, "getTypedInput reads raw bytes into a T");
  if (faasmGetInputSize() <= 0) return defaultValue;
  unsigned char bytes[sizeof(T)] = {};
  faasmGetInput(bytes, static_cast<long>(sizeof(T)));
  T value;
  memcpy(&value, bytes, sizeof(T));
  return value;
}

/* The input as a NUL-terminated string (a fresh buffer the caller may keep or delete[]);
 * defaultValue when there is no input. Input holding NUL bytes ends at the first one. */
inline const char* getStringInput(const char* defaultValue = "") {
  long len = faasmGetInputSize();
  if (len <= 0) return defaultValue;
  char* s = new char[static_cast<size_t>(len) + 1];
  faasmGetInput(reinterpret_cast<uint8_t*>(s), len);
  s[len] = '\0';
  return s;
}

/* The input as a decimal integer ("42", " -7\n"); defaultValue when there is no input or it
 * does not start with a number. Older Faasm code calls it without an argument. */
inline int getIntInput(int defaultValue = 0) {
  if (faasmGetInputSize() <= 0) return defaultValue;
  const char* s = getStringInput("");
  char* end = nullptr;
  long v = strtol(s, &end, 10);
  return end == s ? defaultValue : static_cast<int>(v);
}

/* Sets the call's output to the string's bytes (without the NUL). */
inline void setStringOutput(const char* val) {
  faasmSetOutput(reinterpret_cast<const uint8_t*>(val), static_cast<long>(strlen(val)));
}

/* As above, for std::string (whose bytes may include NULs). */
inline void setStringOutput(const std::string& val) {
  faasmSetOutput(reinterpret_cast<const uint8_t*>(val.data()), static_cast<long>(val.size()));
}

/* Parses up to `nInts` space-separated decimal integers from strIn into a new int[nInts]
 * (the caller's to delete[]); missing values are 0. */
inline int* parseStringToIntArray(const char* strIn, int nInts) {
  int* result = new int[nInts > 0 ? static_cast<size_t>(nInts) : 1]();
  const char* p = strIn;
  for (int i = 0; i < nInts; ++i) {
    char* end = nullptr;
    long v = strtol(p, &end, 10);
    if (end == p) break;
    result[i] = static_cast<int>(v);
    p = end;
  }
  return result;
}

}  // namespace faasm

#endif
