/* The process baseline of the chaining benchmark, built natively: reads SIZE bytes (argv[1])
 * from stdin, a pipe, into a fresh buffer, as noop_in reads its input, and exits. */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char** argv) {
  if (argc != 2) return 2;
  size_t size = strtoul(argv[1], NULL, 10);
  /* One spare byte so that reading until EOF also catches a writer that sent too much. */
  char* buffer = malloc(size + 1);
  if (buffer == NULL) return 1;
  size_t got = 0;
  for (;;) {
    ssize_t n = read(STDIN_FILENO, buffer + got, size + 1 - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return 1;
    if (n == 0) break;
    got += (size_t)n;
    if (got > size) return 3;
  }
  free(buffer);
  return got == size ? 0 : 3;
}
