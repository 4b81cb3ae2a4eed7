/* calloc of 32 MiB on a fresh heap, timed by the program itself: ./run bench engine runs it
 * natively (glibc maps such a block fresh) and through Wasmlet (memory.grow), with `wasmlet cc`'s
 * calloc and with wasi-libc's own, which clears the block. Prints the milliseconds. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

int main(void) {
  const size_t bytes = (size_t)32 << 20;
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  unsigned char* volatile block = calloc(bytes, 1);
  clock_gettime(CLOCK_MONOTONIC, &t1);
  if (!block || block[0] != 0 || block[bytes - 1] != 0) return 1;
  printf("%.4f\n", (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6);
  free(block);
  return 0;
}
