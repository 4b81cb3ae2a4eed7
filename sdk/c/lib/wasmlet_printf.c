/* printf of doubles in double arithmetic: linked into every program `wasmlet cc` links, through
 * -Wl,--wrap=vfprintf (every printf-family function of wasi-libc ends in vfprintf).
 *
 * `wasmlet cc` links -lc-printscan-long-double, as Faasm's toolchain does, so that %Lf works.
 * That archive's vfprintf formats every floating-point argument as a 128-bit long double, in
 * software (wasm has no such type): printf of a double costs several times what it does with
 * wasi-libc's default vfprintf, which is musl's code built for a long double that is a double,
 * and refuses %Lf. Both are in the program, under names `wasmlet cc` gives them
 * (src/cli/guest_cc.cpp): a format with no 'L' anywhere has no conversion with the L length
 * modifier, so no long double argument, and goes to the double one; any other goes to the long
 * double one.
 *
 * The two print a double the same: musl's fmt_fp writes the exact binary value's decimal (or
 * hexadecimal) expansion, rounded once, to nearest even (wasm's only rounding mode), at the
 * precision asked; its arithmetic is exact in either type for a double's 53 bits. That does not
 * depend on the type it computes in. tests/guest/printf_double.c compares them on a few
 * hundred thousand values and formats. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* wasi-libc's two vfprintf, renamed (libc.a's vfprintf.o, libc-printscan-long-double.a's
 * vfprintf.long-double.o). */
int __wl_pfd(FILE* restrict f, const char* restrict fmt, va_list ap);
int __wl_pfl(FILE* restrict f, const char* restrict fmt, va_list ap);

int __wrap_vfprintf(FILE* restrict f, const char* restrict fmt, va_list ap) {
  /* A plain search: a conversion-by-conversion scan for the modifier measured slower on
   * strfmt_hash (it runs per call), and an L in the text only costs that call some speed. */
  return strchr(fmt, 'L') ? __wl_pfl(f, fmt, ap) : __wl_pfd(f, fmt, ap);
}
