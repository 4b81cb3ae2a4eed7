#pragma once
// Run a program to completion without a shell, capturing its output.
#include <string>
#include <vector>

namespace wasmlet::util {

struct ProcessResult {
  int exit_code = -1;  // -1 when killed by a signal
  std::string output;  // stdout and stderr, interleaved
};

// Throws Error only when the program cannot be started at all.
ProcessResult run_process(const std::vector<std::string>& argv);

}  // namespace wasmlet::util
