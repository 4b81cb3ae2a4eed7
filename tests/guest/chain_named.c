/* Chains other functions by name: echo (with output), then trap (whose failure must come back
 * as a non-zero code), then a function that does not exist (a clear failure). */
#include <stdio.h>
#include <string.h>

#include <faasm/faasm.h>

int main(void) {
  const char* msg = "via echo";
  unsigned int echo = faasmChainNamed("echo", (const uint8_t*)msg, (long)strlen(msg));
  unsigned int trap = faasmChainNamed("trap", NULL, 0);
  char* out = NULL;
  int out_len = 0;
  int echo_rc = faasmAwaitCallOutput(echo, &out, &out_len);
  int trap_rc = faasmAwaitCall(trap);
  char result[128];
  int n = snprintf(result, sizeof result, "echo=%d:%.*s trap=%d", echo_rc, out_len, out, trap_rc);
  faasmSetOutput((const uint8_t*)result, n);
  return 0;
}
