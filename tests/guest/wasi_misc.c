// WASI arguments, environment, clocks, randomness, sleeping, polling and stdio.
//
// The harness runs this with argv = {"wasi_misc<anything>", "alpha", "beta gamma"} (argv[0]
// may be the module's file name, as `wasmlet run` gives it) and an environment holding
// WASMLET_TEST=yes. One line per check ("ok <name>" or "FAIL <name>: <detail>"); the
// exit status is the number of failures.
#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "guest_check.h"

static int64_t ns(clockid_t clock) {
  struct timespec ts;
  if (clock_gettime(clock, &ts) != 0) return -1;
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void args_env_checks(int argc, char** argv) {
  check(argc == 3, "args_count", "argc is not 3");
  check(argc >= 1 && strncmp(argv[0], "wasi_misc", 9) == 0, "args_argv0",
        "argv[0] does not start with wasi_misc");
  check(argc >= 3 && strcmp(argv[1], "alpha") == 0 && strcmp(argv[2], "beta gamma") == 0,
        "args_values", "argv[1..2] are not \"alpha\", \"beta gamma\"");
  check(argv[argc] == NULL, "args_terminated", "argv[argc] is not NULL");
  const char* v = getenv("WASMLET_TEST");
  check(v != NULL && strcmp(v, "yes") == 0, "env_value", "WASMLET_TEST is not \"yes\"");
  check(getenv("WASMLET_NOT_SET") == NULL, "env_missing", "an unset variable has a value");
}

static void clock_checks(void) {
  int64_t real = ns(CLOCK_REALTIME);
  check(real > (int64_t)1577836800 * 1000000000, "clock_realtime", "realtime is before 2020");
  check(time(NULL) > 1577836800, "clock_time", "time() is before 2020");

  int64_t a = ns(CLOCK_MONOTONIC), b = ns(CLOCK_MONOTONIC);
  check(a > 0 && b >= a, "clock_monotonic", "monotonic clock went backwards");

  struct timespec res;
  check(clock_getres(CLOCK_MONOTONIC, &res) == 0 && res.tv_sec == 0 && res.tv_nsec > 0 &&
            res.tv_nsec <= 1000000,
        "clock_res", "monotonic resolution is not within (0, 1ms]");

  int64_t cpu0 = ns(CLOCK_PROCESS_CPUTIME_ID);
  volatile uint64_t spin = 0;
  for (int i = 0; i < 20000000; ++i) spin += (uint64_t)i;
  int64_t cpu1 = ns(CLOCK_PROCESS_CPUTIME_ID);
  check(cpu0 >= 0 && cpu1 > cpu0, "clock_cputime", "process CPU time did not advance");
  check(ns(CLOCK_THREAD_CPUTIME_ID) > 0, "clock_thread_cputime", "thread CPU time is not positive");
}

static void sleep_checks(void) {
  int64_t t0 = ns(CLOCK_MONOTONIC);
  struct timespec req = {0, 20 * 1000000};
  int r = nanosleep(&req, NULL);
  int64_t slept = ns(CLOCK_MONOTONIC) - t0;
  check(r == 0 && slept >= 20 * 1000000 && slept < 2000000000LL, "nanosleep",
        "nanosleep(20ms) did not sleep 20ms..2s");

  t0 = ns(CLOCK_MONOTONIC);
  struct timespec until;
  clock_gettime(CLOCK_MONOTONIC, &until);
  until.tv_nsec += 10 * 1000000;
  if (until.tv_nsec >= 1000000000) {
    until.tv_nsec -= 1000000000;
    until.tv_sec += 1;
  }
  r = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &until, NULL);
  slept = ns(CLOCK_MONOTONIC) - t0;
  check(r == 0 && slept >= 9 * 1000000 && slept < 2000000000LL, "clock_nanosleep_abstime",
        "sleeping until now+10ms did not take 10ms..2s");

  t0 = ns(CLOCK_MONOTONIC);
  r = poll(NULL, 0, 15);
  slept = ns(CLOCK_MONOTONIC) - t0;
  check(r == 0 && slept >= 15 * 1000000, "poll_timeout", "poll(NULL, 0, 15) did not wait 15ms");

  struct pollfd out = {.fd = 1, .events = POLLOUT};
  check(poll(&out, 1, 1000) == 1 && (out.revents & POLLOUT), "poll_stdout",
        "stdout is not ready for writing");
  struct pollfd in = {.fd = 0, .events = POLLIN};
  check(poll(&in, 1, 1000) == 1, "poll_stdin", "stdin (at end of file) is not ready");

  check(sched_yield() == 0, "sched_yield", "sched_yield failed");
}

static void random_checks(void) {
  unsigned char a[32] = {0}, b[32] = {0};
  check(getentropy(a, sizeof a) == 0 && getentropy(b, sizeof b) == 0, "random_get",
        "getentropy failed");
  int nonzero = 0;
  for (size_t i = 0; i < sizeof a; ++i) nonzero |= a[i];
  check(nonzero && memcmp(a, b, sizeof a) != 0, "random_distinct",
        "two random blocks are zero or equal");
  unsigned char big[256];
  check(getentropy(big, sizeof big) == 0, "random_256", "getentropy(256) failed");
}

static void stdio_checks(void) {
  char buf[16];
  check(read(0, buf, sizeof buf) == 0, "stdin_eof", "stdin is not at end of file");
  errno = 0;
  check(lseek(1, 0, SEEK_CUR) < 0 && errno == ESPIPE, "stdout_not_seekable",
        "seeking stdout did not fail with ESPIPE");
  // As on Faasm: stdout and stderr are terminals, stdin is not.
  check(isatty(1) && isatty(2), "stdout_tty", "stdout or stderr is not a terminal");
  check(!isatty(0), "stdin_not_tty", "stdin claims to be a terminal");
  check(write(2, "wasi_misc: stderr works\n", 24) == 24, "stderr_write", "write to stderr failed");
  errno = 0;
  check(write(0, "x", 1) < 0 && errno == EBADF, "stdin_not_writable",
        "writing to stdin did not fail with EBADF");
  errno = 0;
  check(close(100) != 0 && errno == EBADF, "close_bad_fd", "closing fd 100 did not fail with EBADF");
}

// Calls the host does not support answer ENOSYS instead of failing the guest.
static void unsupported_checks(void) {
  errno = 0;
  check(shutdown(1, SHUT_RDWR) == -1 && errno == ENOSYS, "sock_shutdown_enosys",
        "expected ENOSYS");
}

int main(int argc, char** argv) {
  args_env_checks(argc, argv);
  unsupported_checks();
  clock_checks();
  sleep_checks();
  random_checks();
  stdio_checks();
  printf("%d failure(s)\n", failures);
  return failures;
}
