#include "cli/guest_cc.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <filesystem>
#include <iostream>
#include <set>

#include "engine/compiler.h"
#include "util/error.h"
#include "util/files.h"
#include "util/sha256.h"
#include "util/subprocess.h"

#ifndef WASMLET_SDK_INCLUDE
#define WASMLET_SDK_INCLUDE ""
#endif
#ifndef WASMLET_SDK_COMPAT_INCLUDE
#define WASMLET_SDK_COMPAT_INCLUDE ""
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

// The guest library linked into every program (sdk/c/lib/wasmlet_calloc.c), compiled once per
// content into the cache. It is linked as a lazy member (--start-lib), so a program that never
// calls calloc links none of it.
fs::path ensure_guest_lib() {
  fs::path src = fs::path(WASMLET_SDK_INCLUDE).parent_path() / "lib" / "wasmlet_calloc.c";
  auto text = util::read_file(src);
  fs::path dir = engine::default_cache_dir() / "guest-lib";
  fs::path obj = dir / fmt::format("wasmlet_calloc-{}.o", util::sha256_hex(text).substr(0, 16));
  if (fs::exists(obj)) return obj;
  fs::create_directories(dir);
  fs::path tmp = obj;
  tmp += fmt::format(".tmp{}", ::getpid());
  auto compiled = util::run_process({WASMLET_GUEST_CC, "--target=wasm32-wasi",
                                     "--sysroot=" + ensure_sysroot().string(), "-O2", "-c",
                                     src.string(), "-o", tmp.string()});
  if (compiled.exit_code != 0) {
    fs::remove(tmp);
    throw Error(fmt::format("building the guest library failed:\n{}", compiled.output));
  }
  fs::rename(tmp, obj);  // atomic: concurrent callers never see a half-written object
  return obj;
}

// The stack is part of linear memory (4 GiB at most): a bigger one leaves no room for the rest.
constexpr size_t kMaxStack = size_t{1} << 30;

// wasi-libc's emulations of what WASI lacks, each a -D_WASI_EMULATED_<X> and a
// -lwasi-emulated-<x>; Faasm's toolchain enables them too (mman through its own sysroot).
constexpr std::array kEmulations = {"PROCESS_CLOCKS", "MMAN", "GETPID", "SIGNAL"};

bool is_cxx(const std::string& src) {
  for (const char* ext : {".cpp", ".cc", ".cxx", ".C", ".c++"}) {
    if (src.ends_with(ext)) return true;
  }
  return false;
}

// Whether clang links: link flags on a compile-only command only draw "unused" warnings.
bool links(const std::vector<std::string>& flags) {
  for (const char* stop : {"-c", "-S", "-E", "-fsyntax-only", "-M", "-MM"}) {
    if (std::find(flags.begin(), flags.end(), stop) != flags.end()) return false;
  }
  return true;
}

// Flags whose value is the next word when it is not glued on (`-I dir` as well as `-Idir`).
bool takes_separate_value(const std::string& flag) {
  static const std::set<std::string> kFlags = {
      "-I",         "-D",       "-U",      "-L",       "-l",          "-include", "-isystem",
      "-idirafter", "-iquote",  "-x",      "-Xlinker", "-Xclang",     "-MF",      "-MT",
      "-MQ",        "-imacros", "-target", "-iprefix", "-iwithprefix"};
  return kFlags.contains(flag);
}

}  // namespace

const char* const kGuestCcHelp =
    "Sources are C (.c) or C++ (.cpp, .cc, .cxx); every other argument goes to clang-19 as it\n"
    "is: -D, -U, -I, -isystem, -include, -O0..-O3/-Os/-Oz (default -O2), -g, -std=, -W...,\n"
    "-l, -L, -Wl,..., -Xlinker, -c, -mexec-model=reactor.\n"
    "Always added, as Faasm's toolchain does: --target=wasm32-wasi with a private sysroot, the\n"
    "SDK headers (faasm/*.h, wasmlet/*.h), -fno-exceptions for C++, wasi-libc's emulations\n"
    "(-D_WASI_EMULATED_PROCESS_CLOCKS, _MMAN, _GETPID, _SIGNAL with their -lwasi-emulated-*\n"
    "libraries: clock(), times(), getrusage(), anonymous mmap/munmap and read-only file mmap,\n"
    "getpid(), signal()), -lc-printscan-long-double (printf and scanf of long double),\n"
    "-D__faasm, a 4 MiB stack placed first in memory (an overflow traps instead of corrupting\n"
    "data), -Wl,--strip-debug, -fno-unroll-loops, and a calloc that skips clearing memory\n"
    "fresh from memory.grow (-Wl,--wrap=calloc; not with -nostdlib/-nodefaultlibs/-nolibc).";

void add_guest_cc_args(GuestCcOptions& options, const std::vector<std::string>& args) {
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& x = args[i];
    if (!x.starts_with("-")) {
      options.sources.push_back(x);
    } else if (x.starts_with("-O")) {
      options.opt_level = x;
    } else {
      options.extra_flags.push_back(x);
      if (takes_separate_value(x) && i + 1 < args.size()) options.extra_flags.push_back(args[++i]);
    }
  }
}

int guest_cc(const GuestCcOptions& options) {
  if (options.sources.empty()) throw Error("no source files");
  if (options.output.empty()) throw Error("no output file (-o)");
  if (options.stack_size < 16 || options.stack_size % 16 != 0 || options.stack_size > kMaxStack) {
    throw Error(fmt::format("--stack-size must be a multiple of 16 bytes up to 1 GiB (got {})",
                            options.stack_size));
  }
  bool cxx = false;
  for (const auto& s : options.sources) cxx = cxx || is_cxx(s);

  std::string driver = cxx ? WASMLET_GUEST_CXX : WASMLET_GUEST_CC;
  std::vector<std::string> argv = {driver, "--target=wasm32-wasi",
                                   "--sysroot=" + ensure_sysroot().string(), options.opt_level,
                                   "-I", WASMLET_SDK_INCLUDE,
                                   // POSIX headers wasi-libc lacks, as Faasm's sysroot has them
                                   "-isystem", WASMLET_SDK_COMPAT_INCLUDE,
                                   // The engine's C compiler unrolls and vectorises after
                                   // translation; loops unrolled here hide that from it.
                                   "-fno-unroll-loops", "-D__faasm"};
  for (const char* emulated : kEmulations)
    argv.push_back(fmt::format("-D_WASI_EMULATED_{}", emulated));
  if (cxx) {
    argv.push_back("-fno-exceptions");  // libc++abi for wasm32-wasi has no unwinder
  }
  bool linking = links(options.extra_flags);
  // A program linked without wasi-libc has no calloc to wrap.
  bool own_libc = false;
  for (const char* f : {"-nostdlib", "-nodefaultlibs", "-nolibc"}) {
    own_libc = own_libc || std::find(options.extra_flags.begin(), options.extra_flags.end(), f) !=
                               options.extra_flags.end();
  }
  if (linking) {
    argv.push_back("-Wl,--strip-debug");
    argv.push_back(fmt::format("-Wl,-z,stack-size={}", options.stack_size));
    // Below the data, so that an overflow runs off the bottom of memory and traps.
    argv.push_back("-Wl,--stack-first");
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
  }
  argv.insert(argv.end(), options.extra_flags.begin(), options.extra_flags.end());
  argv.insert(argv.end(), options.sources.begin(), options.sources.end());
  if (linking) {
    // Archives: only what the program uses is linked in.
    if (!own_libc) {
      // calloc that does not clear what memory.grow just made (sdk/c/lib/wasmlet_calloc.c).
      argv.push_back("-Wl,--wrap=calloc");
      argv.push_back("-Wl,--start-lib");
      argv.push_back(ensure_guest_lib().string());
      argv.push_back("-Wl,--end-lib");
    }
    argv.push_back("-lc-printscan-long-double");
    for (const char* emulated : kEmulations) {
      std::string lib = fmt::format("-lwasi-emulated-{}", emulated);
      std::transform(lib.begin(), lib.end(), lib.begin(),
                     [](char c) { return c == '_' ? '-' : static_cast<char>(std::tolower(c)); });
      argv.push_back(lib);
    }
  }
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
