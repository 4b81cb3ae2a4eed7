/* Faasm's C++ helpers for reading input as a string. */
#ifndef FAASM_INPUT_H
#define FAASM_INPUT_H

#include <string>

#include "faasm/faasm.h"

namespace faasm {

/* The call's input as a string; `defaultValue` when there is none. */
inline std::string getStringInput(const char* defaultValue = "") {
  long len = faasmGetInputSize();
  if (len <= 0) return defaultValue;
  std::string s(static_cast<size_t>(len), '\0');
  faasmGetInput(reinterpret_cast<uint8_t*>(s.data()), len);
  return s;
}

inline void setStringOutput(const std::string& s) {
  faasmSetOutput(reinterpret_cast<const uint8_t*>(s.data()), static_cast<long>(s.size()));
}

}  // namespace faasm

#endif
