/* Sleeps inside a host call (poll_oneoff), then would print: a deadline that expires during
 * the sleep must stop it as soon as the host call returns. */
#include <stdio.h>
#include <time.h>

int main(void) {
  printf("before\n");
  fflush(stdout);
  struct timespec ts = {0, 300 * 1000 * 1000};
  nanosleep(&ts, NULL);
  printf("after\n");
  return 0;
}
