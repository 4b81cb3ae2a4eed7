/* The image pipeline composed by hand inside one function (the benchmark's baseline (b)): chains
 * resize, classify and render by name, awaiting each before the next and handing each one's
 * output to the next. Its output is render's. It also prints one line to stderr (kept in the
 * call's record) for bench/workflow.py: "chain_ns R1 R2 R3 ids I1 I2 I3", the round trip of
 * each chain + await in ns and the chained calls' ids. */
#include <faasm/core.h>
#include <time.h>

#include "image_common.h"

static long long now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int main(void) {
  size_t len;
  char* data = read_all_input(&len);
  if (data == NULL) return fail("out of memory");
  static const char* const steps[] = {"resize", "classify", "render"};
  long long rtt[3];
  unsigned ids[3];
  for (int i = 0; i < 3; ++i) {
    long long t0 = now_ns();
    ids[i] = faasmChainNamed(steps[i], (const uint8_t*)data, (long)len);
    char* out = NULL;
    int out_len = 0;
    int rc = faasmAwaitCallOutput(ids[i], &out, &out_len);
    rtt[i] = now_ns() - t0;
    if (rc != 0) {
      if (out != NULL && out_len > 0) wasmlet_set_output(out, (size_t)out_len);
      return rc;
    }
    data = out;
    len = (size_t)out_len;
  }
  wasmlet_set_output(data, len);
  fprintf(stderr, "chain_ns %lld %lld %lld ids %u %u %u\n", rtt[0], rtt[1], rtt[2], ids[0], ids[1],
          ids[2]);
  return 0;
}
