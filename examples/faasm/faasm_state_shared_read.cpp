// Reads the value faasm_state_shared_write wrote, through this Faaslet's own mapping of the
// same segment: no pull, no copy. Returns the bytes up to the first NUL.
#include <faasm/faasm.h>

#include <string.h>

static const char* kKey = "faasm_shared";
static const long kSize = 64;

int main() {
  const uint8_t* value = faasmReadStatePtr(kKey, kSize);
  size_t n = strnlen(reinterpret_cast<const char*>(value), kSize);
  faasmSetOutput(value, static_cast<long>(n));
  return 0;
}
