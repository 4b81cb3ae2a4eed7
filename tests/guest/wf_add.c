/* A workflow step that reads {"x": N} and answers {"x": N+1}: each step's work shows in the
 * result. An input without "x" counts as x = 0. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <faasm/faasm.h>

int main(void) {
  long len = faasmGetInputSize();
  char* in = calloc((size_t)len + 1, 1);
  faasmGetInput((uint8_t*)in, len);
  long x = 0;
  const char* key = strstr(in, "\"x\"");
  if (key != NULL) {
    const char* colon = strchr(key, ':');
    if (colon != NULL) x = strtol(colon + 1, NULL, 10);
  }
  char out[64];
  int n = snprintf(out, sizeof out, "{\"x\":%ld}", x + 1);
  faasmSetOutput((const uint8_t*)out, n);
  return 0;
}
