#pragma once
// `wasmlet cc`: compiles C and C++ guest code to wasm32-wasi with clang-19, against a private
// sysroot (so host headers never leak in) and the Wasmlet guest SDK.
#include <string>
#include <vector>

namespace wasmlet::cli {

struct GuestCcOptions {
  std::vector<std::string> sources;
  std::string output;
  std::vector<std::string> extra_flags;  // passed to clang as they are
  std::string opt_level = "-O2";
  bool verbose = false;
};

// Returns clang's exit code; its diagnostics go to stderr.
int guest_cc(const GuestCcOptions& options);

}  // namespace wasmlet::cli
