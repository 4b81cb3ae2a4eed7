// Chains another function of the same user by name (faasm_echo, which must be uploaded too)
// and waits for it; reports the callee's return code. Output: "faasm_echo returned 0".
#include <faasm/faasm.h>

#include <stdio.h>
#include <string.h>

int main() {
  const char* msg = "hello from faasm_chain_named";
  unsigned int id =
      faasmChainNamed("faasm_echo", reinterpret_cast<const uint8_t*>(msg), static_cast<long>(strlen(msg)));
  int rc = faasmAwaitCall(id);
  char out[64];
  int n = snprintf(out, sizeof out, "faasm_echo returned %d", rc);
  faasmSetOutput(reinterpret_cast<const uint8_t*>(out), n);
  return rc;
}
