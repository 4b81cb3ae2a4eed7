/* Faasm's time helpers (namespace faasm), with libfaasm's names. Written for Wasmlet's SDK.
 * The clock is the host's CLOCK_REALTIME, read through WASI. */
#ifndef FAASM_TIME_H
#define FAASM_TIME_H

#include <stdio.h>
#include <time.h>

/* Faasm's profiling macros: FAASM_PROF_START(t) ... FAASM_PROF_END(t) prints
 * "TIME: t <ms>" to stdout. Off (empty) unless the function is built with -DWASM_PROF=1, so
 * timing code can stay in a function's source. */
#if defined(WASM_PROF) && WASM_PROF == 1
#define FAASM_PROF_START(profVar)       \
  struct timespec profVar##_start_ts; \
  clock_gettime(CLOCK_MONOTONIC, &profVar##_start_ts);
#define FAASM_PROF_END(profVar)                                                              \
  {                                                                                          \
    struct timespec profVar##_end_ts;                                                        \
    clock_gettime(CLOCK_MONOTONIC, &profVar##_end_ts);                                       \
    printf("TIME: %s %f\n", #profVar,                                                        \
           (double)(profVar##_end_ts.tv_sec - profVar##_start_ts.tv_sec) * 1e3 +             \
               (double)(profVar##_end_ts.tv_nsec - profVar##_start_ts.tv_nsec) / 1e6);       \
  }
#else
#define FAASM_PROF_START(profVar)
#define FAASM_PROF_END(profVar)
#endif

#ifdef __cplusplus
namespace faasm {

/* Seconds since the Unix epoch, with the fraction. */
inline double getSecondsSinceEpoch() {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

/* Whole milliseconds since the Unix epoch. wasm32's long is 32 bits, so (as in Faasm) this
 * wraps; take differences of nearby values only. */
inline long getMillisSinceEpoch() {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  long long ms = static_cast<long long>(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
  return static_cast<long>(ms);
}

}  // namespace faasm
#endif

#endif
