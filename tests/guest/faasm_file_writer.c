// Writes a faasm:// file of a size the input gives: "NAME SIZE" writes SIZE bytes of 'w' to
// faasm://NAME. Outputs "ok", or "error <errno>" naming the call that failed.
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "faasm/faasm.h"

static void output(const char* text) { faasmSetOutput((const uint8_t*)text, (long)strlen(text)); }

int main(void) {
  static char input[256], path[300], msg[64], chunk[4096];
  long n = faasmGetInputSize();
  if (n <= 0 || n >= (long)sizeof input) return 1;
  faasmGetInput((uint8_t*)input, n);
  input[n] = '\0';
  char* space = strchr(input, ' ');
  if (space == NULL) return 1;
  *space = '\0';
  long size = strtol(space + 1, NULL, 10);
  snprintf(path, sizeof path, "faasm://%s", input);
  memset(chunk, 'w', sizeof chunk);

  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) {
    snprintf(msg, sizeof msg, "error open %d", errno);
    output(msg);
    return 0;
  }
  for (long done = 0; done < size;) {
    size_t part = size - done < (long)sizeof chunk ? (size_t)(size - done) : sizeof chunk;
    ssize_t w = write(fd, chunk, part);
    if (w <= 0) {
      snprintf(msg, sizeof msg, "error write %d", errno);
      output(msg);
      close(fd);
      return 0;
    }
    done += w;
  }
  if (close(fd) != 0) {
    snprintf(msg, sizeof msg, "error close %d", errno);
    output(msg);
    return 0;
  }
  output("ok");
  return 0;
}
