/* What the Proto-Faaslet's heap reserve gives a call (docs/faaslets.md): a block of INPUT bytes
 * that the allocator finds without growing memory, and that every call finds as the snapshot
 * had it, whatever the last call wrote there. Output: "grew=G sum=S", G 1 when the allocation
 * grew memory, S a checksum of the block as the call found it. The call then fills the block,
 * for the next call to find reverted. */
#include <faasm/faasm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(void) {
  char input[32];
  long len = faasmGetInput((uint8_t*)input, sizeof input - 1);
  if (len <= 0 || len >= (long)sizeof input) return 2;
  input[len] = '\0';
  size_t size = strtoul(input, NULL, 10);
  if (size <= 64) return 2;

  size_t pages = __builtin_wasm_memory_size(0);
  unsigned char* block = malloc(size);
  if (block == NULL) return 1;
  int grew = __builtin_wasm_memory_size(0) != pages;
  unsigned long sum = 0;
  for (size_t i = 0; i < size; ++i) sum = sum * 31 + block[i];
  memset(block, 0xab, size);

  char out[64];
  int n = snprintf(out, sizeof out, "grew=%d sum=%lu", grew, sum);
  faasmSetOutput((const uint8_t*)out, n);
  free(block);
  return 0;
}
