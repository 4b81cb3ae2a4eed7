/* Chains "N SIZE": N calls of echo, each with SIZE bytes of input, then awaits every one's
 * status, printing "status=<codes>" to stdout, then every one's output, answering
 * "outputs=<sizes>". "N SIZE seq": chains each call and awaits its output before the next. */
#include <faasm/faasm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(void) {
  char in[64] = {0};
  long len = faasmGetInputSize();
  if (len <= 0 || len >= (long)sizeof in) return 2;
  faasmGetInput((uint8_t*)in, len);
  int n = 0;
  long size = 0;
  char mode[8] = {0};
  if (sscanf(in, "%d %ld %7s", &n, &size, mode) < 2 || n <= 0 || n > 64 || size < 0) return 2;
  char* payload = malloc((size_t)size + 1);
  memset(payload, 'e', (size_t)size);
  char result[1024];
  int used = snprintf(result, sizeof result, "outputs=");
  if (strcmp(mode, "seq") == 0) {
    for (int i = 0; i < n; ++i) {
      unsigned int id = faasmChainNamed("echo", (const uint8_t*)payload, size);
      char* out = NULL;
      int out_len = 0;
      faasmAwaitCallOutput(id, &out, &out_len);
      used += snprintf(result + used, sizeof result - (size_t)used, "%d,", out_len);
    }
    faasmSetOutput((const uint8_t*)result, used);
    return 0;
  }
  unsigned int ids[64];
  for (int i = 0; i < n; ++i) ids[i] = faasmChainNamed("echo", (const uint8_t*)payload, size);
  printf("status=");
  for (int i = 0; i < n; ++i) printf("%d,", faasmAwaitCall(ids[i]));
  printf("\n");
  fflush(stdout);
  for (int i = 0; i < n; ++i) {
    char* out = NULL;
    int out_len = 0;
    faasmAwaitCallOutput(ids[i], &out, &out_len);
    used += snprintf(result + used, sizeof result - (size_t)used, "%d,", out_len);
  }
  faasmSetOutput((const uint8_t*)result, used);
  return 0;
}
