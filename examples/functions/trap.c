/* Traps on purpose: writes far outside its linear memory. The runtime turns the fault into an
 * "out of bounds memory access" error for this call only. */
#include <stdint.h>
#include <stdio.h>

int main(void) {
  volatile uint32_t* p = (volatile uint32_t*)(uintptr_t)0xfffffff0u;
  printf("about to write outside memory\n");
  *p = 42;
  printf("not reached\n");
  return 0;
}
