/* Reports what it finds of earlier calls, then leaves secrets everywhere it can: in linear
 * memory (a static), on the heap, in a file under /tmp and on stdout. A Faaslet reset after
 * every call must make each call find the pristine snapshot. Also offers a function-table
 * entry for table-index calls, and counts constructor and zygote runs. */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <wasmlet/wasmlet.h>

static int ctor_runs;
static int zygote_runs;
static int counter;

__attribute__((constructor)) static void count_ctor(void) { ++ctor_runs; }

__attribute__((export_name("_faasm_zygote"))) int faasm_zygote(void) {
  ++zygote_runs;
  return 0;
}

static int seven(void) { return 7 + counter; }
int (*volatile table_entry)(void) = seven;

__attribute__((export_name("bump"))) int bump(void) { return ++counter; }

int main(void) {
  char out[256];
  char* block = malloc(64);
  int heap_dirty = block != NULL && memcmp(block + 32, "SECRET", 6) == 0;
  int fd = open("/tmp/secret", O_RDONLY);
  int n = snprintf(out, sizeof out, "ctor=%d zygote=%d counter=%d heap=%s file=%s table=%d",
                   ctor_runs, zygote_runs, counter, heap_dirty ? "dirty" : "clean",
                   fd >= 0 ? "present" : "absent", (int)(uintptr_t)table_entry);
  if (fd >= 0) close(fd);

  ++counter;
  ctor_runs += 100;
  zygote_runs += 100;
  if (block != NULL) {
    memcpy(block + 32, "SECRET", 6);
    free(block);  // the next malloc(64) would get it back, secret and all, without a reset
  }
  int w = open("/tmp/secret", O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (w >= 0) {
    write(w, "x", 1);
    close(w);
  }
  printf("call output\n");
  printf("second line\n");
  wasmlet_set_output(out, (size_t)n);
  return 0;
}
