// A zygote does expensive set-up once, before the snapshot every call starts from: here it
// fills a table of squares and counts its own runs. main reports both, then scribbles on
// them; the next call still sees the snapshot (one zygote run, the same sum).
// Output: "zygote runs: 1, sum of squares: 285".
#include <faasm/faasm.h>

#include <stdio.h>

static int zygoteRuns = 0;
static int squares[10];

FAASM_ZYGOTE() {
  ++zygoteRuns;
  for (int i = 0; i < 10; ++i) squares[i] = i * i;
  return 0;  // non-zero would make the function fail to start
}

int main() {
  int sum = 0;
  for (int s : squares) sum += s;
  char out[64];
  int n = snprintf(out, sizeof out, "zygote runs: %d, sum of squares: %d", zygoteRuns, sum);
  faasmSetOutput(reinterpret_cast<const uint8_t*>(out), n);

  // Changes that the Faaslet's reset must undo before the next call.
  zygoteRuns += 100;
  squares[0] = 1000;
  return 0;
}
