/* calloc through `wasmlet cc`'s wrapper (sdk/c/lib/wasmlet_calloc.c): memory fresh from
 * memory.grow is not cleared again, and everything else still is. Every block is checked to
 * be zero from its first byte to its last; blocks reusing memory that was written and freed
 * (wholly, or in part with the rest fresh) are the cases where a missing clear would show. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "guest_check.h"

static int all_zero(const unsigned char* p, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    if (p[i] != 0) return 0;
  }
  return 1;
}

/* Defined by the wrapper; weak, so that a program built without it still links. */
extern void* __wrap_calloc(size_t count, size_t size) __attribute__((weak));

/* Called through a volatile pointer: the C compiler knows calloc's blocks are zero and would
 * otherwise fold the checks below away. */
static void* (*volatile calloc_)(size_t, size_t) = calloc;

int main(void) {
  check(__wrap_calloc != NULL, "wasmlet cc linked its calloc", "not linked");
  const size_t big = (size_t)32 << 20;
  size_t pages_before = __builtin_wasm_memory_size(0);
  unsigned char* a = calloc_(big, 1);
  check(a != NULL && all_zero(a, big), "fresh 32 MiB block is zero", "non-zero byte");
  check(__builtin_wasm_memory_size(0) > pages_before, "the block grew memory", "no growth");
  memset(a, 0xab, big);
  free(a);

  unsigned char* b = calloc_(big / 8, 8);
  check(b != NULL && all_zero(b, big), "reused 32 MiB block is zero", "stale byte");
  memset(b, 0xcd, big);
  free(b);

  /* Larger than the freed block: its start reuses written memory, its end is fresh. */
  unsigned char* c = calloc_(big + ((size_t)3 << 20), 1);
  check(c != NULL && all_zero(c, big + ((size_t)3 << 20)), "part reused, part fresh is zero",
        "stale byte");
  memset(c, 0xef, big + ((size_t)3 << 20));
  free(c);

  /* Many small blocks from written, freed memory. */
  unsigned char* small[64];
  for (int i = 0; i < 64; ++i) {
    small[i] = malloc(1000 + (size_t)i * 37);
    if (small[i]) memset(small[i], 0x5a, 1000 + (size_t)i * 37);
  }
  for (int i = 0; i < 64; i += 2) free(small[i]);
  int ok = 1;
  for (int i = 0; i < 64; i += 2) {
    small[i] = calloc_(1, 1000 + (size_t)i * 37);
    ok = ok && small[i] && all_zero(small[i], 1000 + (size_t)i * 37);
  }
  check(ok, "small reused blocks are zero", "stale byte");
  for (int i = 0; i < 64; ++i) free(small[i]);

  /* Block sizes around the page size, each written and freed before the next calloc. */
  ok = 1;
  for (size_t n = 65536 - 64; n <= 65536 + 64; n += 8) {
    unsigned char* p = calloc_(n, 1);
    ok = ok && p && all_zero(p, n);
    if (p) {
      memset(p, 0x77, n);
      free(p);
    }
  }
  check(ok, "blocks around a page are zero", "stale byte");

  void* overflow = calloc_(SIZE_MAX / 2, 4);
  check(overflow == NULL, "count * size overflow fails", "a block");
  void* none = calloc_(0, 16);
  check(none != NULL, "calloc(0, n) returns a block", "NULL");
  free(none);
  return failures;
}
