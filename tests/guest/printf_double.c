/* `wasmlet cc` sends printf formats without 'L' to wasi-libc's vfprintf built without long
 * double (sdk/c/lib/wasmlet_printf.c), the rest to the long double one. This compares the two
 * (under the names `wasmlet cc` gives them) on doubles of every kind and many formats: they must
 * write the same bytes. Then it checks that %Lf still works through printf. */
#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "guest_check.h"

int __wl_pfd(FILE* restrict f, const char* restrict fmt, va_list ap);
int __wl_pfl(FILE* restrict f, const char* restrict fmt, va_list ap);

static int format(int (*vf)(FILE*, const char*, va_list), char* buf, size_t size,
                  const char* fmt, ...) {
  FILE* f = fmemopen(buf, size, "w");
  if (!f) return -2;
  va_list ap;
  va_start(ap, fmt);
  int n = vf(f, fmt, ap);
  va_end(ap);
  fclose(f);
  return n;
}

static uint64_t state = 0x9e3779b97f4a7c15ull;
static uint64_t next(void) {
  state ^= state << 13;
  state ^= state >> 7;
  state ^= state << 17;
  return state;
}

static const char* const formats[] = {
    "%f",    "%.0f",  "%.1f",  "%.3f",   "%.17f",  "%.40f",  "%e",    "%.0e",  "%.3e",
    "%.17e", "%.30e", "%g",    "%.1g",   "%.3g",   "%.17g",  "%.30g", "%#g",   "%#.0f",
    "%a",    "%.0a",  "%.3a",  "%.13a",  "%.20a",  "%A",     "%+f",   "% e",   "%-12.4g|",
    "%012.3f", "%E",  "%G",    "%F",     "%.300f", "%.60e",  "%10.2a"};

int main(void) {
  static char a[4096], b[4096];
  long mismatches = 0, calls = 0;
  char first[200] = "";
  double specials[] = {0.0,     -0.0,    0.1,     0.5,     1.5,     2.5,      0.125,
                       1e23,    1e-320,  DBL_MIN, DBL_MAX, DBL_TRUE_MIN, 5e-324, 9.5,
                       0.05,    1e15,    123456789.125, 2.675, 1.0 / 3, INFINITY, -INFINITY,
                       NAN,     -1e-5,   4.35,    0.3,     1e300,   -2.5e-300};
  size_t nspecial = sizeof specials / sizeof specials[0];
  for (long i = 0; i < 6000; ++i) {
    double x;
    if ((size_t)i < nspecial) {
      x = specials[i];
    } else if (i % 3 == 0) {
      uint64_t bits = next();
      memcpy(&x, &bits, sizeof x); /* any bit pattern: subnormals, NaNs, huge */
    } else if (i % 3 == 1) {
      x = (double)(int64_t)(next() >> 20) / (double)(1u << (next() % 30)); /* short decimals */
    } else {
      x = ldexp((double)(next() >> 11), (int)(next() % 200) - 150); /* 53-bit mantissas */
    }
    for (size_t k = 0; k < sizeof formats / sizeof formats[0]; ++k) {
      int n = format(__wl_pfd, a, sizeof a, formats[k], x);
      int m = format(__wl_pfl, b, sizeof b, formats[k], x);
      ++calls;
      if (n != m || strcmp(a, b) != 0) {
        if (mismatches++ == 0) snprintf(first, sizeof first, "%s: '%.60s' vs '%.60s'", formats[k], a, b);
      }
    }
  }
  char detail[300];
  snprintf(detail, sizeof detail, "%ld of %ld differ, first %s", mismatches, calls, first);
  check(mismatches == 0, "double and long double vfprintf agree on doubles", detail);

  format(__wl_pfd, a, sizeof a, "%.3e|%.2f", 1234.5, 0.125);
  format(__wl_pfl, b, sizeof b, "%.3e|%.2f", 1234.5, 0.125);
  check(strcmp(a, "1.234e+03|0.12") == 0 && strcmp(b, a) == 0, "both write to the buffer", a);

  char out[64];
  snprintf(out, sizeof out, "%.3Lf %.2f %Lg", (long double)1.0625, 2.5, 0.1L);
  check(strcmp(out, "1.062 2.50 0.1") == 0, "%Lf through snprintf", out);
  snprintf(out, sizeof out, "%s %d %.1f", "x", 42, 0.25);
  check(strcmp(out, "x 42 0.2") == 0, "plain formats through snprintf", out);
  /* An L outside a conversion, after %%, and one among a conversion's modifiers. */
  snprintf(out, sizeof out, "Loss %.2f%%L %.1f", 1.375, 1.375);
  check(strcmp(out, "Loss 1.38%L 1.4") == 0, "L in the text", out);
  snprintf(out, sizeof out, "%%%-+8.2Le|%*.*Lf", (long double)-0.5, 6, 1, (long double)2.25);
  check(strcmp(out, "%-5.00e-01|   2.2") == 0, "L after flags, width and precision", out);
  printf("formatted %ld\n", calls);
  return failures;
}
