/* A call whose reset takes long: it grows its heap by 4 MiB and fills it, and writes one of 64
 * static pages (chosen by its input, so that calls write pages their predecessors did not). It
 * reports what it finds of earlier calls first: a reset, on whichever thread, must leave every
 * call the snapshot, its statics zero and freshly grown memory zero. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <wasmlet/wasmlet.h>

#define GROWN ((size_t)4 << 20)

static int counter;
static unsigned char pages[64][4096];

static int all_zero(const unsigned char* p, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    if (p[i] != 0) return 0;
  }
  return 1;
}

int main(void) {
  char in[16] = {0};
  wasmlet_read_input(in, sizeof in - 1);
  int statics_zero = all_zero(&pages[0][0], sizeof pages);
  /* Grown directly, not through malloc, whose free space may hold what the snapshot's own
   * initialisation left there: the point is to see what freshly grown pages hold. */
  size_t before = __builtin_wasm_memory_grow(0, GROWN / 65536);
  unsigned char* grown = before == (size_t)-1 ? NULL : (unsigned char*)(before * 65536);
  int grown_zero = grown != NULL && all_zero(grown, GROWN);
  char out[96];
  int n = snprintf(out, sizeof out, "counter=%d grown=%s statics=%s", counter,
                   grown_zero ? "zero" : "dirty", statics_zero ? "zero" : "dirty");
  ++counter;
  if (grown != NULL) memset(grown, 0xA5, GROWN);
  memset(pages[(unsigned)atoi(in) % 64], 0x5A, sizeof pages[0]);
  wasmlet_set_output(out, (size_t)n);
  return 0;
}
