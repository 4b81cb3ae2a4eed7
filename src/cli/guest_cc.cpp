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

// A member of a (GNU format) ar archive, by name; empty if it has none of that name.
std::string ar_member(const fs::path& archive, std::string_view member) {
  auto bytes = util::read_file(archive);
  std::string_view ar(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  if (!ar.starts_with("!<arch>\n"))
    throw Error(fmt::format("{} is not an archive", archive.string()));
  std::string_view long_names;
  for (size_t at = 8; at + 60 <= ar.size();) {
    std::string_view header = ar.substr(at, 60);
    size_t size = std::stoul(std::string(header.substr(48, 10)));
    std::string_view data = ar.substr(at + 60, std::min(size, ar.size() - at - 60));
    std::string_view name = header.substr(0, 16);
    name = name.substr(0, name.find_last_not_of(' ') + 1);
    if (name == "//") {
      long_names = data;
    } else if (name.size() > 1 && name[0] == '/' && name[1] >= '0' && name[1] <= '9') {
      size_t off = std::stoul(std::string(name.substr(1)));
      if (off < long_names.size()) {
        name = long_names.substr(off);
        name = name.substr(0, name.find("/\n"));
      }
    } else if (name.ends_with('/')) {
      name.remove_suffix(1);
    }
    if (name == member) return std::string(data);
    at += 60 + size + (size & 1);
  }
  return {};
}

// wasi-libc's vfprintf without long double (libc.a) and with it (libc-printscan-long-double.a),
// with their one global symbol renamed to __wl_pfd and __wl_pfl (sdk/c/lib/wasmlet_printf.c
// chooses between them). The new names have the old one's length, so every offset in the object
// file stays what it was; the old name's other occurrences are in debug strings.
void write_renamed_vfprintf(const fs::path& archive, std::string_view member,
                            std::string_view new_name, const fs::path& out) {
  std::string object = ar_member(archive, member);
  if (object.empty()) {
    throw Error(fmt::format("{} has no {}", archive.string(), member));
  }
  constexpr std::string_view kOld = "vfprintf";
  static_assert(kOld.size() == 8);
  if (new_name.size() != kOld.size()) throw Error("renamed vfprintf: wrong length");
  size_t renamed = 0;
  for (size_t at = object.find(kOld); at != std::string::npos; at = object.find(kOld, at)) {
    object.replace(at, kOld.size(), new_name);
    ++renamed;
  }
  if (renamed == 0)
    throw Error(fmt::format("{} in {} defines no vfprintf", member, archive.string()));
  util::write_file_atomic(out, object);
}

// The guest library linked into every program (sdk/c/lib: a calloc that does not clear fresh
// memory, a vfprintf that formats doubles as doubles), built once per content of its sources and
// of the wasi-libc archives it takes from into the cache. It is linked as lazy members
// (--start-lib), so a program that never calls calloc or printf links none of it.
std::vector<std::string> ensure_guest_lib() {
  const fs::path src_dir = fs::path(WASMLET_SDK_INCLUDE).parent_path() / "lib";
  const std::array sources = {src_dir / "wasmlet_calloc.c", src_dir / "wasmlet_printf.c"};
  const fs::path libc = fs::path(kWasiLib) / "libc.a";
  const fs::path libc_ld = fs::path(kWasiLib) / "libc-printscan-long-double.a";
  std::string material;
  for (const auto& src : sources) {
    auto text = util::read_file(src);
    material += util::sha256_hex(text) + "\n";
  }
  for (const auto& a : {libc, libc_ld}) {
    material += fmt::format("{} {} {}\n", a.string(), fs::file_size(a),
                            fs::last_write_time(a).time_since_epoch().count());
  }
  auto key =
      util::sha256_hex({reinterpret_cast<const unsigned char*>(material.data()), material.size()});
  const fs::path dir = engine::default_cache_dir() / "guest-lib" / key.substr(0, 16);
  const std::array objects = {dir / "wasmlet_calloc.o", dir / "wasmlet_printf.o",
                              dir / "vfprintf_double.o", dir / "vfprintf_long_double.o"};
  auto as_args = [&] {
    std::vector<std::string> args;
    args.reserve(objects.size());
    for (const auto& o : objects) args.push_back(o.string());
    return args;
  };
  if (fs::exists(dir)) return as_args();

  fs::path tmp = dir;
  tmp += fmt::format(".tmp{}", ::getpid());
  fs::remove_all(tmp);
  fs::create_directories(tmp);
  for (size_t i = 0; i < sources.size(); ++i) {
    auto compiled = util::run_process(
        {WASMLET_GUEST_CC, "--target=wasm32-wasi", "--sysroot=" + ensure_sysroot().string(), "-O2",
         "-c", sources[i].string(), "-o", (tmp / objects[i].filename()).string()});
    if (compiled.exit_code != 0) {
      fs::remove_all(tmp);
      throw Error(fmt::format("building the guest library failed:\n{}", compiled.output));
    }
  }
  write_renamed_vfprintf(libc, "vfprintf.o", "__wl_pfd", tmp / objects[2].filename());
  write_renamed_vfprintf(libc_ld, "vfprintf.long-double.o", "__wl_pfl",
                         tmp / objects[3].filename());
  std::error_code ec;
  fs::rename(tmp, dir, ec);  // atomic; if another process got there first, its copy is as good
  if (ec) fs::remove_all(tmp);
  return as_args();
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
    "data), -Wl,--strip-debug, -fno-unroll-loops, and (not with -nostdlib/-nodefaultlibs/\n"
    "-nolibc) a calloc that skips clearing memory fresh from memory.grow and a printf that\n"
    "formats doubles without long double arithmetic (-Wl,--wrap=calloc,--wrap=vfprintf).";

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
    // For the heap reserve the Proto-Faaslet leaves in the allocator (docs/faaslets.md).
    argv.push_back("-Wl,--export-if-defined=malloc");
    argv.push_back("-Wl,--export-if-defined=free");
  }
  argv.insert(argv.end(), options.extra_flags.begin(), options.extra_flags.end());
  argv.insert(argv.end(), options.sources.begin(), options.sources.end());
  if (linking) {
    // Archives: only what the program uses is linked in.
    if (!own_libc) {
      // calloc that does not clear what memory.grow just made, printf of doubles as doubles
      // (sdk/c/lib).
      argv.push_back("-Wl,--wrap=calloc");
      argv.push_back("-Wl,--wrap=vfprintf");
      argv.push_back("-Wl,--start-lib");
      for (auto& o : ensure_guest_lib()) argv.push_back(std::move(o));
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
