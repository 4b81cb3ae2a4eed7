/* Memory a call maps state into must come back as fresh zeros in the next call, not as the
 * state segment. Input "map": maps key "k" (filled with 'A') into memory grown at the end.
 * Input "grow": grows the memory by as much and reports "zeros" or "STATE LEAKED". */
#include <string.h>

#include <faasm/faasm.h>

int main(void) {
  char in[8] = {0};
  faasmGetInput((uint8_t*)in, sizeof in - 1);
  if (strcmp(in, "map") == 0) {
    uint8_t* value = faasmReadStatePtr("k", 4096);
    memset(value, 'A', 4096);
    faasmSetOutput((const uint8_t*)"mapped", 6);
    return 0;
  }
  size_t old_pages = __builtin_wasm_memory_grow(0, 1);
  if (old_pages == (size_t)-1) return 2;
  const uint8_t* fresh = (const uint8_t*)(old_pages * 65536);
  for (int i = 0; i < 4096; ++i) {
    if (fresh[i] != 0) {
      faasmSetOutput((const uint8_t*)"STATE LEAKED", 12);
      return 0;
    }
  }
  faasmSetOutput((const uint8_t*)"zeros", 5);
  return 0;
}
