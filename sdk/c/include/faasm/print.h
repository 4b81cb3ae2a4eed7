/* Faasm's printArray (namespace faasm), written for Wasmlet's SDK: prints `[a, b, c]` to stdout
 * without a newline. */
#ifndef FAASM_PRINT_H
#define FAASM_PRINT_H

#include <stddef.h>
#include <stdio.h>

#include <type_traits>

namespace faasm {

template <typename T>
void printArray(T* data, size_t size) {
  static_assert(std::is_arithmetic_v<T>, "printArray prints numbers");
  printf("[");
  for (size_t i = 0; i < size; i++) {
    if constexpr (std::is_floating_point_v<T>) {
      printf("%f", static_cast<double>(data[i]));
    } else if constexpr (std::is_signed_v<T>) {
      printf("%lld", static_cast<long long>(data[i]));
    } else {
      printf("%llu", static_cast<unsigned long long>(data[i]));
    }
    if (i + 1 < size) printf(", ");
  }
  printf("]");
}

}  // namespace faasm

#endif
