/* Returns its input unchanged. */
#include <stdlib.h>

#include <wasmlet/wasmlet.h>

int main(void) {
  size_t n = wasmlet_input_size();
  char* buf = malloc(n ? n : 1);
  if (buf == NULL) return 1;
  wasmlet_read_input(buf, n);
  wasmlet_set_output(buf, n);
  free(buf);
  return 0;
}
