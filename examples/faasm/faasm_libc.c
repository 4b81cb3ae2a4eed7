// The C library a Faasm toolchain links, used as ordinary C code uses it. The input names one
// check; the output is "<check>: ok" or "<check>: FAILED (<why>)".
//   clock        clock(), times() and the process CPU clock advance over some work
//   mmap         anonymous mmap and munmap: the mapping is zeroed, writable, and unmaps
//   mmap_file    a file written to /tmp, mapped read-only: the mapping holds its bytes
//   long_double  long double is 128-bit, and printf/strtold handle it (1.5e4000 > DBL_MAX)
//   deep_stack   recursion through 2 MiB of stack frames (wasm-ld's default stack is 64 KiB)
//   errno        __errno_location() is errno's address, and failures set it
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/times.h>
#include <time.h>
#include <unistd.h>

#include "faasm/faasm.h"

static char why[128];

static int fail(const char* reason) {
  snprintf(why, sizeof why, "%s (errno %d)", reason, errno);
  return 0;
}

static int check_clock(void) {
  clock_t c0 = clock();
  struct tms t0;
  times(&t0);
  struct timespec p0, p1;
  if (clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &p0) != 0) return fail("no process CPU clock");
  volatile unsigned sink = 0;
  for (unsigned i = 0; i < 20u * 1000 * 1000; ++i) sink += i * i;
  clock_t c1 = clock();
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &p1);
  struct tms t1;
  if (times(&t1) == (clock_t)-1) return fail("times failed");
  if (c0 == (clock_t)-1 || c1 <= c0) return fail("clock() did not advance");
  if (p1.tv_sec * 1000000000LL + p1.tv_nsec <= p0.tv_sec * 1000000000LL + p0.tv_nsec) {
    return fail("the process CPU clock did not advance");
  }
  return 1;
}

static int check_mmap(void) {
  size_t len = 3 * 65536 + 1234;  // several wasm pages, not on a page boundary
  char* maps[4];
  for (int i = 0; i < 4; ++i) {
    maps[i] = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_ANONYMOUS | MAP_PRIVATE, -1, 0);
    if (maps[i] == MAP_FAILED) return fail("anonymous mmap failed");
    for (size_t j = 0; j < len; j += 4096) {
      if (maps[i][j] != 0) return fail("fresh mapping not zeroed");
    }
    snprintf(maps[i], 32, "mapping %d", i);
  }
  for (int i = 0; i < 4; ++i) {
    char expected[32];
    snprintf(expected, sizeof expected, "mapping %d", i);
    if (strcmp(maps[i], expected) != 0) return fail("mappings overlap");
    if (munmap(maps[i], len) != 0) return fail("munmap failed");
  }
  return 1;
}

static int check_mmap_file(void) {
  const char text[] = "127.0.0.1 localhost\n";
  int fd = open("/tmp/mapped.txt", O_CREAT | O_TRUNC | O_RDWR, 0644);
  if (fd < 0) return fail("cannot create /tmp/mapped.txt");
  if (write(fd, text, sizeof text - 1) != (ssize_t)(sizeof text - 1)) return fail("write failed");
  char* p = mmap(NULL, sizeof text - 1, PROT_READ, MAP_SHARED, fd, 0);
  close(fd);  // the mapping outlives the descriptor, as in POSIX
  if (p == MAP_FAILED) return fail("read-only file mmap failed");
  int same = memcmp(p, text, sizeof text - 1) == 0;
  munmap(p, sizeof text - 1);
  return same ? 1 : fail("mapping differs from the file");
}

static int check_long_double(void) {
  if (sizeof(long double) != 16) return fail("long double is not 128-bit");
  long double big = strtold("1.5e4000", NULL);
  long double third = 1.0L / 3.0L;
  char buf[64];
  snprintf(buf, sizeof buf, "%Le %.25Lf", big, third);
  if (strcmp(buf, "1.500000e+4000 0.3333333333333333333333333") != 0) {
    snprintf(why, sizeof why, "printed \"%s\"", buf);
    return 0;
  }
  return 1;
}

// Each frame holds 1 KiB that the compiler cannot drop.
static int recurse(int depth) {
  volatile char frame[1024];
  frame[0] = (char)depth;
  frame[sizeof frame - 1] = (char)depth;
  return depth == 0 ? frame[0] : recurse(depth - 1) + (frame[sizeof frame - 1] != (char)depth);
}

static int check_deep_stack(void) { return recurse(2048) == 0 ? 1 : fail("frames corrupted"); }

static int check_errno(void) {
  if (__errno_location() != &errno) return fail("__errno_location is not errno's address");
  errno = 0;
  if (open("/tmp/no-such-file", O_RDONLY) != -1 || *__errno_location() != ENOENT) {
    return fail("a failed open did not set ENOENT");
  }
  return 1;
}

int main(void) {
  char name[32] = {0};
  faasmGetInput((uint8_t*)name, sizeof name - 1);
  struct {
    const char* name;
    int (*run)(void);
  } checks[] = {{"clock", check_clock},           {"mmap", check_mmap},
                {"mmap_file", check_mmap_file},   {"long_double", check_long_double},
                {"deep_stack", check_deep_stack}, {"errno", check_errno}};
  for (size_t i = 0; i < sizeof checks / sizeof checks[0]; ++i) {
    if (strcmp(name, checks[i].name) != 0) continue;
    char out[256];
    int ok = checks[i].run();
    int len = snprintf(out, sizeof out, ok ? "%s: ok" : "%s: FAILED (%s)", name, why);
    faasmSetOutput((const uint8_t*)out, len);
    return ok ? 0 : 1;
  }
  printf("unknown check \"%s\"\n", name);
  return 2;
}
