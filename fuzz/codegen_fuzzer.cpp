// libFuzzer target: code generation, i.e. wasm2c on a module the parser accepted and Wasmlet's
// rewriting of wasm2c's output (engine/codegen.cpp). For every module wasm2c accepts, the C that
// comes out must also be valid C: `clang -fsyntax-only` checks it, which is where text that
// escaped its context (a name ending a comment, say) shows. A full clang compile per input would
// be too slow to find much.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <string_view>

#include "engine/codegen.h"
#include "engine/errors.h"
#include "util/files.h"
#include "util/subprocess.h"

namespace {

namespace engine = wasmlet::engine;

const std::filesystem::path& work_dir() {
  static const wasmlet::util::TempDir dir(std::filesystem::temp_directory_path(), "wasmlet-fuzz");
  return dir.path();
}

[[noreturn]] void finding(std::string_view what, std::string_view detail) {
  std::fprintf(stderr, "codegen_fuzzer: %.*s\n%.*s\n", static_cast<int>(what.size()), what.data(),
               static_cast<int>(detail.size()), detail.data());
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::span<const unsigned char> wasm(data, size);
  engine::ModuleInfo info;
  try {
    info = engine::parse_module_info(wasm, engine::ModuleLimits{});
  } catch (const engine::ModuleRejected&) {
    return 0;
  }
  engine::CompileRun run;
  run.deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  std::filesystem::path c;
  try {
    c = engine::generate_c(wasm, info, "fuzz", {}, work_dir(), run);
  } catch (const engine::ModuleRejected&) {
    return 0;  // invalid, or a name Wasmlet refuses
  } catch (const engine::CompileFailed& e) {
    // wasm2c crashing is wasm2c's bug, handled correctly here; anything else is ours.
    if (std::string_view(e.what()).starts_with("wasm2c was killed")) return 0;
    finding("codegen failed on a module wasm2c accepted", e.what());
  }
  wasmlet::util::ProcessLimits limits;
  limits.deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  limits.output_bytes = 16 * 1024;
  auto r = wasmlet::util::run_process(
      {WASMLET_FUZZ_CC, "-fsyntax-only", "-w", "-I", work_dir().string(), c.string()}, limits);
  if (!r.timed_out && r.exit_code != 0) finding("generated C does not compile", r.output);
  return 0;
}
