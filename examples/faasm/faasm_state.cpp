// Writes its input as the value of a state key, then reads the value back and returns it.
// faasmWriteState stores the whole value (locally and in the global tier), so other
// functions of the same user, here or on other hosts, see it too.
#include <faasm/faasm.h>
#include <faasm/input.h>

#include <string.h>

#include <vector>

static const char* kKey = "faasm_state_value";

int main() {
  const char* value = faasm::getStringInput("state value");
  char buffer[256];
  strncpy(buffer, value, sizeof buffer - 1);
  buffer[sizeof buffer - 1] = '\0';
  faasmWriteState(kKey, BYTES(buffer), static_cast<long>(strlen(buffer)));

  // Ask for the size first, as a reader that did not write the value would.
  long size = faasmReadStateSize(kKey);
  std::vector<uint8_t> readBack(static_cast<size_t>(size));
  faasmReadState(kKey, readBack.data(), size);
  faasmSetOutput(readBack.data(), size);
  return 0;
}
