/* A compute kernel: the N-th Fibonacci number by naive recursion (N from the input, default 25),
 * plus a sieve count of primes below 100 * N, as text. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <wasmlet/wasmlet.h>

static unsigned long long fib(unsigned n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }

static unsigned primes_below(unsigned limit) {
  unsigned char* composite = calloc(limit, 1);
  unsigned count = 0;
  if (composite == NULL) return 0;
  for (unsigned i = 2; i < limit; ++i) {
    if (composite[i]) continue;
    ++count;
    for (unsigned long long j = (unsigned long long)i * i; j < limit; j += i) composite[j] = 1;
  }
  free(composite);
  return count;
}

int main(void) {
  char in[32] = {0};
  wasmlet_read_input(in, sizeof in - 1);
  unsigned n = in[0] ? (unsigned)strtoul(in, NULL, 10) : 25;
  if (n > 40) n = 40;
  char out[96];
  int len = snprintf(out, sizeof out, "fib(%u) = %llu, primes below %u = %u\n", n, fib(n), 100 * n,
                     primes_below(100 * n));
  wasmlet_set_output(out, (size_t)len);
  return 0;
}
