#include "engine/compile_run.h"

#include <fmt/format.h>
#include <signal.h>

#include <array>
#include <cmath>

#include "engine/errors.h"

#ifndef WASMLET_WASM2C
#define WASMLET_WASM2C "wasm2c"
#endif
#ifndef WASMLET_GUEST_CC
#define WASMLET_GUEST_CC "clang-19"
#endif

namespace wasmlet::engine {
namespace {

// What the compilers print when an allocation fails (LLVM, a C++ program, the dynamic loader).
constexpr std::array<std::string_view, 4> kOutOfMemory = {
    "out of memory", "std::bad_alloc", "Cannot allocate memory", "failed to map segment"};

// Compiler output kept for an error message.
constexpr size_t kOutputBytes = size_t{64} * 1024;

std::string program_name(const std::vector<std::string>& argv) {
  std::string_view p = argv.front();
  return std::string(p.substr(p.find_last_of('/') + 1));
}

}  // namespace

const std::string& CompileRun::wasm2c_program() const {
  static const std::string kDefault = WASMLET_WASM2C;
  return wasm2c.empty() ? kDefault : wasm2c;
}

const std::string& CompileRun::cc_program() const {
  static const std::string kDefault = WASMLET_GUEST_CC;
  return cc.empty() ? kDefault : cc;
}

util::ProcessResult run_compiler(const std::vector<std::string>& argv, const CompileRun& run) {
  util::ProcessLimits p;
  p.deadline = run.deadline;
  p.cpu_time = run.limits.cpu_time;
  p.address_space = run.limits.address_space;
  p.file_size = run.limits.file_bytes;
  p.output_bytes = kOutputBytes;
  p.stop = run.stop;
  util::ProcessResult r;
  try {
    r = util::run_process(argv, p);
  } catch (const util::SpawnError& e) {
    throw CompilerUnavailable(e.what());
  }
  const std::string name = program_name(argv);
  auto exceeded = [&](const char* limit, uint64_t value, uint64_t maximum, std::string_view unit) {
    return LimitExceeded(limit, value, maximum,
                         fmt::format("compiling the module exceeds the {} limit of {} {} (in {})",
                                     limit, maximum, unit, name));
  };
  if (r.stopped) throw CompileCancelled("compile cancelled");
  if (r.timed_out) {
    auto wall = static_cast<uint64_t>(run.limits.wall_time.count());
    throw exceeded("wall_time", wall, wall, "s");
  }
  auto cpu = static_cast<uint64_t>(run.limits.cpu_time.count());
  if (r.signal == SIGXCPU ||
      (r.signal == SIGKILL && cpu > 0 && r.cpu_seconds >= static_cast<double>(cpu))) {
    throw exceeded("cpu_time", static_cast<uint64_t>(std::lround(r.cpu_seconds)), cpu, "s");
  }
  if (r.signal == SIGXFSZ) throw exceeded("file_bytes", 0, run.limits.file_bytes, "bytes");
  if (r.exit_code != 0 && run.limits.address_space > 0) {
    for (auto marker : kOutOfMemory) {
      if (r.output.find(marker) != std::string::npos) {
        throw exceeded("address_space", 0, run.limits.address_space, "bytes");
      }
    }
  }
  return r;
}

std::string erase_all(std::string text, std::string_view what) {
  if (what.empty()) return text;
  std::string out;
  out.reserve(text.size());
  size_t from = 0;
  for (size_t at; (at = text.find(what, from)) != std::string::npos; from = at + what.size()) {
    out.append(text, from, at - from);
  }
  out.append(text, from);
  return out;
}

}  // namespace wasmlet::engine
