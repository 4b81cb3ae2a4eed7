/* A workflow step that always fails: it writes an output and returns 1. */
#include <faasm/faasm.h>

int main(void) {
  faasmSetOutput((const uint8_t*)"\"failed\"", 8);
  return 1;
}
