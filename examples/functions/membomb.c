/* Allocates without bound. Under a memory limit malloc eventually returns NULL; the function
 * reports how far it got instead of crashing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <wasmlet/wasmlet.h>

int main(void) {
  size_t total = 0;
  void* chain = NULL;  // every block links to the previous one, so none can be optimised away
  for (;;) {
    char* block = malloc(1 << 20);
    if (block == NULL) break;
    memset(block, 1, 1 << 20);  // touch it, so the pages are real
    memcpy(block, &chain, sizeof chain);
    chain = block;
    total += 1 << 20;
  }
  volatile void* keep = chain;
  (void)keep;
  char out[64];
  int len = snprintf(out, sizeof out, "allocated %zu MiB before malloc failed\n", total >> 20);
  wasmlet_set_output(out, (size_t)len);
  return 3;
}
