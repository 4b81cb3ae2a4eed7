#pragma once
// Run a program to completion without a shell, capturing its output. Every program runs in its
// own process group with optional resource limits and a deadline; the group (the program and
// anything it started) is killed when the deadline passes, when a stop is requested, when the
// program exits, and when the calling thread dies (PR_SET_PDEATHSIG), so nothing it started
// outlives it or us.
#include <chrono>
#include <cstdint>
#include <limits>
#include <stop_token>
#include <string>
#include <vector>

#include "util/error.h"

namespace wasmlet::util {

struct ProcessLimits {
  using Clock = std::chrono::steady_clock;
  Clock::time_point deadline = Clock::time_point::max();
  // setrlimit in the child, for each process it runs; 0 means none. Too much CPU time ends in
  // SIGXCPU (SIGKILL a second later), too much address space in failed allocations, too large
  // a file in SIGXFSZ.
  std::chrono::seconds cpu_time{0};
  uint64_t address_space = 0;  // bytes
  uint64_t file_size = 0;      // bytes: the largest file it may write
  // Output past this many bytes is read and dropped.
  size_t output_bytes = std::numeric_limits<size_t>::max();
  std::stop_token stop;
};

struct ProcessResult {
  int exit_code = -1;      // -1 unless it exited
  int signal = 0;          // the signal that ended it; 0 when it exited
  bool timed_out = false;  // killed at the deadline
  bool stopped = false;    // killed on a stop request
  double cpu_seconds = 0;  // user + system time of the process and the children it waited for
  std::string output;      // stdout and stderr, interleaved
  uint64_t output_dropped = 0;
};

// The program could not be started (not found, not executable, no processes left).
class SpawnError : public Error {
 public:
  using Error::Error;
};

// Throws SpawnError when the program cannot be started; whatever happens after that is in the
// result.
ProcessResult run_process(const std::vector<std::string>& argv, const ProcessLimits& limits = {});

}  // namespace wasmlet::util
