/* Echoes its input, except "spin", for which it loops until its time limit: a function whose
 * calls are short until one is not. */
#include <string.h>

#include <faasm/faasm.h>

int main(void) {
  char in[64] = {0};
  long n = faasmGetInput((uint8_t*)in, sizeof in - 1);
  if (n == 4 && memcmp(in, "spin", 4) == 0) {
    volatile unsigned long long i = 0;
    for (;;) ++i;
  }
  faasmSetOutput((const uint8_t*)in, (size_t)n);
  return 0;
}
