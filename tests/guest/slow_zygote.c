/* A function whose Proto-Faaslet takes about a second to build: its zygote spins on the clock.
 * Calls answer "ready". Used to show that a cold build blocks nothing else. */
#include <time.h>

#include <faasm/faasm.h>

static double now_seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

FAASM_ZYGOTE() {
  double until = now_seconds() + 1.0;
  while (now_seconds() < until) {
  }
  return 0;
}

int main(void) {
  faasmSetOutput((const uint8_t*)"ready", 5);
  return 0;
}
