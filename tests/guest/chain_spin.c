/* Chains a call that loops until something stops it, and awaits it: a caller whose only child
 * never ends by itself. Output: nothing (it never returns unless the child fails). */
#include <faasm/faasm.h>

static int spin(void) {
  volatile unsigned long long i = 0;
  for (;;) ++i;
  return 0;
}

int main(void) {
  unsigned int id = faasmChain(spin, (const uint8_t*)"", 0);
  return faasmAwaitCall(id) == 0 ? 0 : 3;
}
