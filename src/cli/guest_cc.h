#pragma once
// `wasmlet cc`: compiles C and C++ guest code to wasm32-wasi with clang-19, against a private
// sysroot (so host headers never leak in) and the Wasmlet guest SDK.
#include <cstddef>
#include <string>
#include <vector>

namespace wasmlet::cli {

// Faasm's toolchain gives functions a 4 MiB stack; wasm-ld's own default (64 KiB) overflows
// on ordinary recursive code.
constexpr size_t kDefaultGuestStackSize = size_t{4} << 20;

struct GuestCcOptions {
  std::vector<std::string> sources;
  std::string output;
  std::vector<std::string> extra_flags;  // passed to clang as they are
  std::string opt_level = "-O2";
  size_t stack_size = kDefaultGuestStackSize;
  bool verbose = false;
};

// Sorts what the command line left over into sources, flags and the optimisation level. A
// flag that takes its value as the next word (`-I dir`, `-D X`, `-l m`, `-Xlinker x`) keeps it.
void add_guest_cc_args(GuestCcOptions& options, const std::vector<std::string>& args);

// What `wasmlet cc --help` adds about the flags it passes to clang.
extern const char* const kGuestCcHelp;

// Returns clang's exit code; its diagnostics go to stderr.
int guest_cc(const GuestCcOptions& options);

}  // namespace wasmlet::cli
