#pragma once
// Running the compilers (wasm2c, then the C compiler) as bounded child processes, their failures
// turned into typed errors (errors.h).
#include <chrono>
#include <cstdint>
#include <stop_token>
#include <string>
#include <vector>

#include "util/subprocess.h"

namespace wasmlet::engine {

// Bounds on compiling one module (or batch). Compiling CPython (61 MB of C) takes clang about
// 90 s and 1.6 GB; the defaults leave room for that on a busy machine.
struct CompileLimits {
  std::chrono::seconds wall_time{600};  // the whole compile: wasm2c, every C compile, the link
  std::chrono::seconds cpu_time{300};   // each compiler process
  uint64_t address_space = uint64_t{8} << 30;  // each compiler process
  uint64_t file_bytes = uint64_t{512} << 20;   // the largest file a compiler may write (C, .o)
};

// One compile in progress: the programs, the limits and the deadline shared by every process it
// runs, and the caller's stop request.
struct CompileRun {
  std::string wasm2c;  // empty: the one found at build time
  std::string cc;      // empty: the C compiler found at build time
  CompileLimits limits;
  std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();
  std::stop_token stop;

  const std::string& wasm2c_program() const;
  const std::string& cc_program() const;
};

// Runs one compiler process under `run`'s bounds and returns its result, whatever its exit
// code. Throws LimitExceeded when it hit a limit, CompileCancelled on a stop request and
// CompilerUnavailable when it could not be started.
util::ProcessResult run_compiler(const std::vector<std::string>& argv, const CompileRun& run);

// `text` with every occurrence of `what` removed: compiler messages name the private build
// directory, which says nothing to a client.
std::string erase_all(std::string text, std::string_view what);

}  // namespace wasmlet::engine
