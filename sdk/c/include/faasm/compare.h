/* Faasm's array comparison (namespace faasm), with libfaasm's name and signature, plus a
 * Wasmlet addition for floating-point data. Written for Wasmlet's SDK. */
#ifndef FAASM_COMPARE_H
#define FAASM_COMPARE_H

#include <stdio.h>

#include <cmath>
#include <type_traits>

namespace faasm {

namespace detail {
// Prints one element for the mismatch report; "?" for types printf cannot show.
template <typename T>
void printElement(const T& v) {
  if constexpr (std::is_floating_point_v<T>) {
    printf("%g", static_cast<double>(v));
  } else if constexpr (std::is_integral_v<T> && std::is_signed_v<T>) {
    printf("%lld", static_cast<long long>(v));
  } else if constexpr (std::is_integral_v<T>) {
    printf("%llu", static_cast<unsigned long long>(v));
  } else {
    printf("?");
  }
}

template <typename T>
void printArrays(const T* a, const T* b, int len) {
  printf("Arrays not equal: A=[");
  for (int i = 0; i < len; ++i) {
    if (i > 0) printf(", ");
    printElement(a[i]);
  }
  printf("] B=[");
  for (int i = 0; i < len; ++i) {
    if (i > 0) printf(", ");
    printElement(b[i]);
  }
  printf("]\n");
}
}  // namespace detail

/* True when the first `len` elements are equal (operator==). Otherwise prints both arrays to
 * stdout, as Faasm does, so a failing check says why. */
template <typename T>
bool compareArrays(T* a, T* b, int len) {
  for (int i = 0; i < len; ++i) {
    if (!(a[i] == b[i])) {
      detail::printArrays<std::remove_cv_t<T>>(a, b, len);
      return false;
    }
  }
  return true;
}

/* Wasmlet addition: as compareArrays, for floating-point results that may differ in the last
 * bits; elements match when |a - b| <= tolerance. */
template <typename T>
bool compareArraysNear(const T* a, const T* b, int len, T tolerance) {
  static_assert(std::is_floating_point_v<T>, "compareArraysNear is for float, double");
  for (int i = 0; i < len; ++i) {
    if (!(std::fabs(a[i] - b[i]) <= tolerance)) {
      detail::printArrays(a, b, len);
      return false;
    }
  }
  return true;
}

}  // namespace faasm

#endif
