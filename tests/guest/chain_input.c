/* Chains the function named before the first ':' of its input with the rest as that call's
 * input, and answers "rc=<code>;out=<output>": C calling any function of its user by name. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <faasm/faasm.h>

int main(void) {
  long len = faasmGetInputSize();
  char* in = calloc((size_t)len + 1, 1);
  faasmGetInput((uint8_t*)in, len);
  char* colon = strchr(in, ':');
  if (colon == NULL) return 2;
  *colon = '\0';
  const char* payload = colon + 1;
  unsigned int id = faasmChainNamed(in, (const uint8_t*)payload, (long)strlen(payload));
  char* out = NULL;
  int out_len = 0;
  int rc = faasmAwaitCallOutput(id, &out, &out_len);
  size_t cap = (size_t)out_len + 64;
  char* result = malloc(cap);
  int n = snprintf(result, cap, "rc=%d;out=%.*s", rc, out_len, out);
  faasmSetOutput((const uint8_t*)result, n);
  return 0;
}
