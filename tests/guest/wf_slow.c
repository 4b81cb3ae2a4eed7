/* A workflow step that sleeps for as many milliseconds as its input says, then answers its
 * input: long steps for time limits and cancellation. */
#include <stdlib.h>
#include <time.h>

#include <faasm/faasm.h>

int main(void) {
  long len = faasmGetInputSize();
  char* in = calloc((size_t)len + 1, 1);
  faasmGetInput((uint8_t*)in, len);
  long ms = strtol(in, NULL, 10);
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
  nanosleep(&ts, NULL);
  faasmSetOutput((const uint8_t*)in, len);
  return 0;
}
