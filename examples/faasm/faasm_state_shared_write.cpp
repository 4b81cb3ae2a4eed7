// Writes its input straight into a state value through the pointer faasmReadStatePtr maps
// into this Faaslet's memory, and flags it dirty, without pushing: on this host the value is
// one shared segment, so faasm_state_shared_read sees these bytes at once. Flagging dirty is
// what a later faasmPushStatePartial would send to the global tier.
#include <faasm/faasm.h>
#include <faasm/input.h>

#include <stdio.h>
#include <string.h>

static const char* kKey = "faasm_shared";
static const long kSize = 64;

int main() {
  const char* in = faasm::getStringInput("shared bytes");
  long n = static_cast<long>(strlen(in));
  if (n >= kSize) n = kSize - 1;  // keep a NUL so the reader finds the end

  uint8_t* value = faasmReadStatePtr(kKey, kSize);
  memset(value, 0, kSize);
  memcpy(value, in, static_cast<size_t>(n));
  faasmFlagStateDirty(kKey, kSize);

  char out[32];
  int len = snprintf(out, sizeof out, "wrote %ld bytes", n);
  faasmSetOutput(reinterpret_cast<const uint8_t*>(out), len);
  return 0;
}
