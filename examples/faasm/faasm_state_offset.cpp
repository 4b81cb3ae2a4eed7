// Treats a 16-byte state value as two 8-byte slots: writes "left...." into slot 0 and
// "right..." into slot 1 by offset, reads slot 1 back by offset and returns it. Offset
// writes change only the local copy; the push sends the value to the global tier.
#include <faasm/faasm.h>

#include <string.h>

static const char* kKey = "faasm_state_offset";
static const long kTotal = 16;  // every offset call names the value's full size
static const long kSlot = 8;

int main() {
  char left[] = "left....";
  char right[] = "right...";
  faasmWriteStateOffset(kKey, kTotal, 0, BYTES(left), kSlot);
  faasmWriteStateOffset(kKey, kTotal, kSlot, BYTES(right), kSlot);

  uint8_t slot[8];
  faasmReadStateOffset(kKey, kTotal, kSlot, slot, kSlot);
  faasmPushState(kKey);

  faasmSetOutput(slot, kSlot);
  return 0;
}
