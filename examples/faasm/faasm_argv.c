// Answers with its arguments, as a Faasm function sees them: argv[0] is "function.wasm" and
// the invocation message's cmdline, split at every space, is the rest. Output: "argc=N", then
// each argument in brackets, e.g. "argc=3 [function.wasm] [a] [b]".
#include <stdio.h>

#include "faasm/faasm.h"

int main(int argc, char* argv[]) {
  static char out[4096];
  size_t used = (size_t)snprintf(out, sizeof out, "argc=%d", argc);
  for (int i = 0; i < argc && used < sizeof out; ++i) {
    used += (size_t)snprintf(out + used, sizeof out - used, " [%s]", argv[i]);
  }
  if (used >= sizeof out) used = sizeof out - 1;  // truncated: keep what fitted
  faasmSetOutput((const uint8_t*)out, (long)used);
  return 0;
}
