/* Chained no-op round trip, timed inside the guest. Input "N SIZE": N times, chain noop_in by
 * name with SIZE bytes of input and await it. Output: each round trip in nanoseconds, one per
 * line; the host computes medians and percentiles, so every series is summarised alike. */
#include <faasm/faasm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static long long now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int main(void) {
  char args[64];
  long len = faasmGetInput((uint8_t*)args, sizeof args - 1);
  if (len < 0 || len > (long)sizeof args - 1) return 2;
  args[len] = '\0';
  long n = 0, size = 0;
  if (sscanf(args, "%ld %ld", &n, &size) != 2 || n <= 0 || size < 0) return 2;

  uint8_t* payload = malloc(size > 0 ? (size_t)size : 1);
  long long* samples = malloc(sizeof(long long) * (size_t)n);
  if (payload == NULL || samples == NULL) return 1;
  memset(payload, 'x', (size_t)size);

  for (long i = 0; i < n; ++i) {
    long long t0 = now_ns();
    unsigned int id = faasmChainNamed("noop_in", payload, size);
    int rc = faasmAwaitCall(id);
    long long t1 = now_ns();
    if (rc != 0) return 3;
    samples[i] = t1 - t0;
  }

  /* Formatted after the loop, so the timed part is chain + await alone. */
  char* out = malloc((size_t)n * 21 + 1);
  if (out == NULL) return 1;
  size_t used = 0;
  for (long i = 0; i < n; ++i) used += (size_t)sprintf(out + used, "%lld\n", samples[i]);
  faasmSetOutput((const uint8_t*)out, (long)used);
  return 0;
}
