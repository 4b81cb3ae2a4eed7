#include "cli/guest_cc.h"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <iostream>

#include "engine/compiler.h"
#include "util/error.h"
#include "util/subprocess.h"

#ifndef WASMLET_SDK_INCLUDE
#define WASMLET_SDK_INCLUDE ""
#endif
#ifndef WASMLET_GUEST_CC
#define WASMLET_GUEST_CC "clang-19"
#endif
#ifndef WASMLET_GUEST_CXX
#define WASMLET_GUEST_CXX "clang++-19"
#endif

namespace wasmlet::cli {
namespace {

namespace fs = std::filesystem;

constexpr const char* kWasiInclude = "/usr/include/wasm32-wasi";
constexpr const char* kWasiLib = "/usr/lib/wasm32-wasi";

// A sysroot of two symlinks: clang then finds wasi-libc and nothing of the host's /usr/include.
fs::path ensure_sysroot() {
  fs::path root = engine::default_cache_dir() / "sysroot";
  for (auto [sub, target] : {std::pair{"include", kWasiInclude}, std::pair{"lib", kWasiLib}}) {
    fs::path link = root / sub / "wasm32-wasi";
    if (fs::is_symlink(link) && fs::read_symlink(link) == target) continue;
    fs::create_directories(link.parent_path());
    fs::path tmp = link;
    tmp += fmt::format(".tmp{}", ::getpid());
    fs::remove(tmp);
    fs::create_symlink(target, tmp);
    fs::rename(tmp, link);  // atomic: concurrent callers never see a half-made link
  }
  return root;
}

bool is_cxx(const std::string& src) {
  for (const char* ext : {".cpp", ".cc", ".cxx", ".C", ".c++"}) {
    if (src.ends_with(ext)) return true;
  }
  return false;
}

}  // namespace

int guest_cc(const GuestCcOptions& options) {
  if (options.sources.empty()) throw Error("no source files");
  if (options.output.empty()) throw Error("no output file (-o)");
  bool cxx = false;
  for (const auto& s : options.sources) cxx = cxx || is_cxx(s);

  std::string driver = cxx ? WASMLET_GUEST_CXX : WASMLET_GUEST_CC;
  std::vector<std::string> argv = {driver, "--target=wasm32-wasi",
                                   "--sysroot=" + ensure_sysroot().string(), options.opt_level,
                                   "-I", WASMLET_SDK_INCLUDE, "-Wl,--strip-debug",
                                   // The engine's C compiler unrolls and vectorises after
                                   // translation; loops unrolled here hide that from it.
                                   "-fno-unroll-loops"};
  if (cxx) {
    argv.push_back("-fno-exceptions");  // libc++abi for wasm32-wasi has no unwinder
  }
  bool reactor = std::find(options.extra_flags.begin(), options.extra_flags.end(),
                           "-mexec-model=reactor") != options.extra_flags.end();
  if (!reactor) {
    // Exported constructors are not run by _start: Wasmlet runs them once, before the
    // Proto-Faaslet snapshot, instead of on every call.
    argv.push_back("-Wl,--export=__wasm_call_ctors");
    // ...and _start then skips destructors too, which flush stdio: Wasmlet calls them after
    // each call instead.
    argv.push_back("-Wl,--export-if-defined=__wasm_call_dtors");
  }
  argv.push_back("-Wl,--export-if-defined=_faasm_zygote");  // a zygote defined without the macro
  argv.insert(argv.end(), options.extra_flags.begin(), options.extra_flags.end());
  argv.insert(argv.end(), options.sources.begin(), options.sources.end());
  argv.insert(argv.end(), {"-o", options.output});
  if (options.verbose) {
    std::string line;
    for (const auto& a : argv) line += a + " ";
    std::cerr << line << "\n";
  }
  auto result = util::run_process(argv);
  std::cerr << result.output;
  return result.exit_code;
}

}  // namespace wasmlet::cli
