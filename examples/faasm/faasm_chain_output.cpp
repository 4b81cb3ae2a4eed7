// Chains faasm_echo by name with this call's input and returns what it output: the callee's
// output comes back through faasmAwaitCallOutput, which places it in this call's memory.
#include <faasm/faasm.h>
#include <faasm/input.h>

#include <string.h>

int main() {
  const char* in = faasm::getStringInput("no input");
  unsigned int id =
      faasmChainNamed("faasm_echo", reinterpret_cast<const uint8_t*>(in), static_cast<long>(strlen(in)));
  char* out = nullptr;
  int outLen = 0;
  int rc = faasmAwaitCallOutput(id, &out, &outLen);
  if (rc != 0) return rc;  // the callee failed: so does this call
  faasmSetOutput(reinterpret_cast<const uint8_t*>(out), outLen);
  return 0;
}
