// Faasm's files from C: a file written in the working directory lasts for the call only, and a
// faasm:// file written by one call (of any function) is there for the next. The input names
// the step:
//   "local"         writes local.txt in the working directory, reads it back: "local=ok"
//   "local_gone"    "local=absent" when no local.txt (nor /tmp/scratch.txt) survived a call
//   "share:<text>"  writes <text> to faasm://faasm_files.txt: "wrote <n> bytes"
//   "read"          the contents of faasm://faasm_files.txt
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "faasm/faasm.h"

static const char* kShared = "faasm://faasm_files.txt";

static void output(const char* text) { faasmSetOutput((const uint8_t*)text, (long)strlen(text)); }

static int write_text(const char* path, const char* text) {
  FILE* f = fopen(path, "w");
  if (f == NULL) return -1;
  size_t n = fwrite(text, 1, strlen(text), f);
  return fclose(f) == 0 && n == strlen(text) ? (int)n : -1;
}

static int read_text(const char* path, char* buf, size_t len) {
  FILE* f = fopen(path, "r");
  if (f == NULL) return -1;
  size_t n = fread(buf, 1, len - 1, f);
  buf[n] = '\0';
  fclose(f);
  return (int)n;
}

int main(void) {
  static char input[256], buf[256];
  long n = faasmGetInputSize();
  if (n <= 0 || n >= (long)sizeof input) return 1;
  faasmGetInput((uint8_t*)input, n);
  input[n] = '\0';

  if (strcmp(input, "local") == 0) {
    int ok = write_text("local.txt", "mine") == 4 && write_text("/tmp/scratch.txt", "t") == 1 &&
             read_text("local.txt", buf, sizeof buf) == 4 && strcmp(buf, "mine") == 0;
    output(ok ? "local=ok" : "local=failed");
    return ok ? 0 : 1;
  }
  if (strcmp(input, "local_gone") == 0) {
    int gone = access("local.txt", F_OK) != 0 && access("/tmp/scratch.txt", F_OK) != 0;
    output(gone ? "local=absent" : "local=present");
    return 0;
  }
  if (strncmp(input, "share:", 6) == 0) {
    int written = write_text(kShared, input + 6);
    if (written < 0) return 1;
    snprintf(buf, sizeof buf, "wrote %d bytes", written);
    output(buf);
    return 0;
  }
  if (strcmp(input, "read") == 0) {
    if (read_text(kShared, buf, sizeof buf) < 0) return 1;
    output(buf);
    return 0;
  }
  return 1;
}
