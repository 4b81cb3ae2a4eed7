/* One line per check for the guest test programs: "ok <name>" or "FAIL <name>: <detail>".
 * The harness looks for FAIL lines; main returns the failure count. */
#ifndef WASMLET_TEST_GUEST_CHECK_H
#define WASMLET_TEST_GUEST_CHECK_H

#include <errno.h>
#include <stdio.h>
#include <string.h>

static int failures;

static void check(int ok, const char* name, const char* detail) {
  if (ok) {
    printf("ok %s\n", name);
  } else {
    printf("FAIL %s: %s (errno %d: %s)\n", name, detail, errno, strerror(errno));
    ++failures;
  }
}

#endif
