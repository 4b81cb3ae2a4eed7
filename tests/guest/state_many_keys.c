/* Touches many state keys in one call. Input: "N REPEAT": writes keys k0..k(N-1), REPEAT times
 * each (a key written again counts once). Output: "ok". */
#include <stdio.h>
#include <string.h>

#include <faasm/faasm.h>

int main(void) {
  char in[64] = {0};
  faasmGetInput((uint8_t*)in, sizeof in - 1);
  int n = 0, repeat = 1;
  sscanf(in, "%d %d", &n, &repeat);
  for (int r = 0; r < repeat; ++r) {
    for (int i = 0; i < n; ++i) {
      char key[32];
      snprintf(key, sizeof key, "k%d", i);
      faasmWriteState(key, (const uint8_t*)"v", 1);
    }
  }
  faasmSetOutput((const uint8_t*)"ok", 2);
  return 0;
}
