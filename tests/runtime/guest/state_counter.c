/* Increments an 8-byte counter in state N times, each under the key's write lock: lock, pull,
 * read, add one, write the local copy, push the dirty chunk, unlock. Input: "KEY N", or
 * "KEY N trap" to then trap holding the write lock. Output: "ok". Hosts sharing one global
 * tier must end with the exact total. */
#include <faasm/faasm.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

int main(void) {
  char in[128] = {0}, key[64] = {0}, then[8] = {0};
  long n = 0;
  faasmGetInput((uint8_t*)in, sizeof in - 1);
  if (sscanf(in, "%63s %ld %7s", key, &n, then) < 2) return 1;
  for (long i = 0; i < n; ++i) {
    uint64_t value = 0;
    faasmLockStateWrite(key);
    faasmPullState(key, sizeof value);
    faasmReadStateOffset(key, sizeof value, 0, (uint8_t*)&value, sizeof value);
    ++value;
    faasmWriteStateOffset(key, sizeof value, 0, (const uint8_t*)&value, sizeof value);
    faasmPushStatePartial(key);
    faasmUnlockStateWrite(key);
  }
  if (!strcmp(then, "trap")) {
    faasmLockStateWrite(key);
    __builtin_trap();
  }
  faasmSetOutput((const uint8_t*)"ok", 2);
  return 0;
}
