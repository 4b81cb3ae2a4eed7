/* State reads timed inside the guest. Input "MODE SIZE REPS": REPS times, read the state value
 * "v<SIZE>" (SIZE bytes, every byte 1) and sum its bytes, so the read really touches them.
 *   local: sum a buffer of this call's own memory (no state call: the floor)
 *   ptr:   faasmReadStatePtr, then sum through the mapping
 *   copy:  faasmReadState into a buffer, then sum it
 *   pull:  faasmPullState (global tier -> local copy), then faasmReadStatePtr and sum
 * Output: each repetition in nanoseconds, one per line. */
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

/* Not inlined: every mode sums with the same code. */
__attribute__((noinline)) static unsigned long sum_bytes(const uint8_t* p, long n) {
  unsigned long s = 0;
  for (long i = 0; i < n; ++i) s += p[i];
  return s;
}

int main(void) {
  char args[64];
  long len = faasmGetInput((uint8_t*)args, sizeof args - 1);
  if (len < 0 || len > (long)sizeof args - 1) return 2;
  args[len] = '\0';
  char mode[16];
  long size = 0, reps = 0;
  if (sscanf(args, "%15s %ld %ld", mode, &size, &reps) != 3 || size <= 0 || reps <= 0) return 2;
  char key[32];
  snprintf(key, sizeof key, "v%ld", size);

  long long* samples = malloc(sizeof(long long) * (size_t)reps);
  uint8_t* buffer = malloc((size_t)size);
  if (samples == NULL || buffer == NULL) return 1;
  int local = strcmp(mode, "local") == 0, ptr = strcmp(mode, "ptr") == 0;
  int copy = strcmp(mode, "copy") == 0, pull = strcmp(mode, "pull") == 0;
  if (!local && !ptr && !copy && !pull) return 2;
  if (local) memset(buffer, 1, (size_t)size);

  for (long i = 0; i < reps; ++i) {
    long long t0 = now_ns();
    const uint8_t* data = buffer;
    if (pull) faasmPullState(key, size);
    if (ptr || pull) data = faasmReadStatePtr(key, size);
    if (copy && faasmReadState(key, buffer, size) != size) return 4;
    unsigned long s = sum_bytes(data, size);
    long long t1 = now_ns();
    if (s != (unsigned long)size) return 5; /* the value was not what the host stored */
    samples[i] = t1 - t0;
  }

  char* out = malloc((size_t)reps * 21 + 1);
  if (out == NULL) return 1;
  size_t used = 0;
  for (long i = 0; i < reps; ++i) used += (size_t)sprintf(out + used, "%lld\n", samples[i]);
  faasmSetOutput((const uint8_t*)out, (long)used);
  return 0;
}
