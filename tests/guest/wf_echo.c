/* A workflow step that answers its input unchanged: the bytes a step hands to the next. */
#include <stdlib.h>

#include <faasm/faasm.h>

int main(void) {
  long len = faasmGetInputSize();
  uint8_t* in = malloc((size_t)len + 1);
  faasmGetInput(in, len);
  faasmSetOutput(in, len);
  return 0;
}
