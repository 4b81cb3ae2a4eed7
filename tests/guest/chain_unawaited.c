/* Chains a call and, without awaiting it, waits for its effect: the callee writes "1" to state
 * key K and pushes it; the caller pulls K until it reads "1", then awaits the call. The caller
 * keeps its executor the whole time, so the call must run on another one that nobody but the
 * runtime wakes. Input: "K". Output: "ok". */
#include <faasm/faasm.h>
#include <stdio.h>
#include <string.h>

static int mark(void) {
  char key[64] = {0};
  faasmGetInput((uint8_t*)key, sizeof key - 1);
  faasmWriteState(key, (const uint8_t*)"1", 1);
  faasmPushState(key);
  return 0;
}

int main(void) {
  char key[64] = {0};
  long n = faasmGetInput((uint8_t*)key, sizeof key - 1);
  if (n <= 0) return 2;
  faasmWriteState(key, (const uint8_t*)"0", 1);
  faasmPushState(key);
  unsigned int id = faasmChain(mark, (const uint8_t*)key, n);
  char seen = '0';
  while (seen != '1') {
    faasmPullState(key, 1);
    faasmReadState(key, (uint8_t*)&seen, 1);
  }
  if (faasmAwaitCall(id) != 0) return 3;
  faasmSetOutput((const uint8_t*)"ok", 2);
  return 0;
}
