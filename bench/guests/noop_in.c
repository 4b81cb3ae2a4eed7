/* The callee of the chaining benchmark: reads its whole input into a fresh buffer, so an input
 * of SIZE bytes is really delivered, and returns. */
#include <faasm/faasm.h>
#include <stdlib.h>

int main(void) {
  long size = faasmGetInputSize();
  uint8_t* buffer = malloc(size > 0 ? (size_t)size : 1);
  if (buffer == NULL) return 1;
  long got = faasmGetInput(buffer, size);
  free(buffer);
  return got == size ? 0 : 2;
}
