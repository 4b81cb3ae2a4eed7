/* Exercises the state calls. Input: an operation and its arguments, separated by spaces:
 *   write K V | read K | size K | woff K TOTAL OFF V | roff K TOTAL OFF LEN
 *   pwrite K TOTAL OFF V (through the mapped pointer, flagged dirty, not pushed)
 *   pread K TOTAL OFF LEN (through the mapped pointer) | push K | pushp K | pull K LEN
 *   append K V | appended K N | clear K | lockw K | locked K (lock, unlock, lock again)
 *   wfile K PATH | pushm K MASKKEY | paddr K TOTAL (map, print the address) | peek ADDR
 * Output: what was read, or "ok". */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <faasm/faasm.h>

static char out[4096];

static void reply(const char* s, long n) { faasmSetOutput((const uint8_t*)s, n); }

int main(void) {
  char in[1024] = {0};
  faasmGetInput((uint8_t*)in, sizeof in - 1);
  char op[16] = {0}, key[64] = {0}, value[512] = {0};
  long a = 0, b = 0, c = 0;
  sscanf(in, "%15s %63s", op, key);
  const uint8_t* v = (const uint8_t*)value;

  if (!strcmp(op, "write")) {
    sscanf(in, "%*s %*s %511s", value);
    faasmWriteState(key, v, (long)strlen(value));
  } else if (!strcmp(op, "read")) {
    long n = faasmReadState(key, (uint8_t*)out, sizeof out);
    reply(out, n < (long)sizeof out ? n : (long)sizeof out);
    return 0;
  } else if (!strcmp(op, "size")) {
    reply(out, snprintf(out, sizeof out, "%ld", faasmReadStateSize(key)));
    return 0;
  } else if (!strcmp(op, "woff") || !strcmp(op, "pwrite")) {
    sscanf(in, "%*s %*s %ld %ld %511s", &a, &b, value);
    if (!strcmp(op, "woff")) {
      faasmWriteStateOffset(key, a, b, v, (long)strlen(value));
    } else {
      uint8_t* p = faasmReadStatePtr(key, a);
      memcpy(p + b, value, strlen(value));
      faasmFlagStateOffsetDirty(key, a, b, (long)strlen(value));
    }
  } else if (!strcmp(op, "roff") || !strcmp(op, "pread")) {
    sscanf(in, "%*s %*s %ld %ld %ld", &a, &b, &c);
    if (c > (long)sizeof out) return 2;
    if (!strcmp(op, "roff")) {
      faasmReadStateOffset(key, a, b, (uint8_t*)out, c);
    } else {
      memcpy(out, faasmReadStateOffsetPtr(key, a, b, c), (size_t)c);
    }
    reply(out, c);
    return 0;
  } else if (!strcmp(op, "push")) {
    faasmPushState(key);
  } else if (!strcmp(op, "pushp")) {
    faasmPushStatePartial(key);
  } else if (!strcmp(op, "pull")) {
    sscanf(in, "%*s %*s %ld", &a);
    faasmPullState(key, a);
  } else if (!strcmp(op, "append")) {
    sscanf(in, "%*s %*s %511s", value);
    faasmAppendState(key, v, (long)strlen(value));
  } else if (!strcmp(op, "appended")) {
    sscanf(in, "%*s %*s %ld", &a);
    memset(out, 0, sizeof out);
    faasmReadAppendedState(key, (uint8_t*)out, sizeof out - 1, a);
    reply(out, (long)strlen(out));
    return 0;
  } else if (!strcmp(op, "wfile")) {
    sscanf(in, "%*s %*s %511s", value);
    reply(out, snprintf(out, sizeof out, "%u", faasmWriteStateFromFile(key, value)));
    return 0;
  } else if (!strcmp(op, "pushm")) {
    sscanf(in, "%*s %*s %511s", value);
    faasmPushStatePartialMask(key, value);
  } else if (!strcmp(op, "paddr")) {
    sscanf(in, "%*s %*s %ld", &a);
    reply(out, snprintf(out, sizeof out, "%lu", (unsigned long)(uintptr_t)faasmReadStatePtr(key, a)));
    return 0;
  } else if (!strcmp(op, "peek")) {
    unsigned long addr = strtoul(key, NULL, 10);
    volatile uint8_t* p = (volatile uint8_t*)(uintptr_t)addr;
    reply(out, snprintf(out, sizeof out, "%d", p[0]));
    return 0;
  } else if (!strcmp(op, "clear")) {
    faasmClearAppendedState(key);
  } else if (!strcmp(op, "lockw")) {
    faasmLockStateWrite(key);  /* deliberately not unlocked: the reset must release it */
  } else if (!strcmp(op, "locked")) {
    faasmLockStateWrite(key);
    faasmUnlockStateWrite(key);
    faasmLockStateRead(key);
    faasmUnlockStateRead(key);
  } else {
    return 1;
  }
  reply("ok", 2);
  return 0;
}
