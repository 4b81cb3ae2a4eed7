/* A fan-out tree of chained calls through function pointers: each node below the depth limit
 * starts WIDTH children of itself, waits for their outputs and returns how many nodes its
 * subtree holds. Input: "<depth> <width> <max depth>". */
#include <stdio.h>
#include <stdlib.h>

#include <faasm/faasm.h>

static int node(void) {
  char in[64] = {0};
  faasmGetInput((uint8_t*)in, sizeof in - 1);
  int depth = 0, width = 0, max_depth = 0;
  if (sscanf(in, "%d %d %d", &depth, &width, &max_depth) != 3) return 2;

  long total = 1;
  if (depth < max_depth) {
    unsigned int ids[64];
    char child[64];
    int n = snprintf(child, sizeof child, "%d %d %d", depth + 1, width, max_depth);
    for (int i = 0; i < width && i < 64; ++i) ids[i] = faasmChain(node, (const uint8_t*)child, n);
    for (int i = 0; i < width && i < 64; ++i) {
      char* out = NULL;
      int out_len = 0;
      if (faasmAwaitCallOutput(ids[i], &out, &out_len) != 0) return 3;
      total += strtol(out, NULL, 10);
    }
  }
  char out[32];
  int len = snprintf(out, sizeof out, "%ld", total);
  faasmSetOutput((const uint8_t*)out, len);
  return 0;
}

int main(void) { return node(); }
