#pragma once
// Compiles modules to native shared objects (wasm2c, then the C compiler), cached on disk by
// content. Cache writes are atomic and serialised per entry with a file lock, so concurrent
// compiles of one module, in one process or many, and crashes mid-compile never leave a broken
// entry behind.
#include <filesystem>
#include <span>
#include <stop_token>
#include <string>
#include <vector>

#include "engine/codegen.h"
#include "engine/compile_run.h"
#include "engine/module_info.h"

namespace wasmlet::engine {

// Profile-guided optimisation of the generated C with clang's instrumentation profiles: a
// `generate` build counts what runs and writes a .profraw when the library is unloaded (where
// $LLVM_PROFILE_FILE says); `use` compiles with a merged .profdata (llvm-profdata merge), so
// clang lays out and inlines for the hot paths. For a large trusted module such as CPython.
struct CompileProfile {
  enum class Mode { none, generate, use };
  Mode mode = Mode::none;
  std::filesystem::path data;  // `use`: the .profdata
};

struct CompilerConfig {
  std::filesystem::path cache_dir;  // empty: default_cache_dir()
  std::string opt_level = "-O2";
  CompileProfile profile;        // part of the cache key (a profile's content too)
  unsigned jobs = 2;             // parallel C compiler processes for a batch
  ModuleLimits module_limits;    // checked by Engine right after parsing
  CompileLimits compile_limits;  // on wasm2c and the C compiler
  std::string wasm2c;            // empty: the wasm2c found at build time
  std::string cc;                // empty: the C compiler found at build time
};

// $WASMLET_CACHE_DIR, else $XDG_CACHE_HOME/wasmlet, else ~/.cache/wasmlet.
std::filesystem::path default_cache_dir();

// The C-level name wasm2c gives a module: unique per module content.
std::string module_name_for(std::span<const unsigned char> wasm);

struct CompileUnit {
  std::span<const unsigned char> wasm;
  const ModuleInfo* info;
};

struct Artifact {
  std::filesystem::path library;
  std::vector<std::string> module_names;  // one per unit, in order
  bool cache_hit = false;
  double seconds = 0;  // time spent compiling (0 on a hit)
};

class Compiler {
 public:
  explicit Compiler(CompilerConfig config);

  // All units go into one shared object (one link, parallel C compiles). A stop request kills
  // the compilers and throws CompileCancelled; errors.h lists the rest.
  Artifact compile(const std::vector<CompileUnit>& units, const CodegenOptions& options,
                   const std::stop_token& stop = {}) const;

  const std::filesystem::path& cache_dir() const { return dir_; }
  const CompilerConfig& config() const { return config_; }

 private:
  CompilerConfig config_;
  std::filesystem::path dir_;
  std::string profile_key_;            // what the profile adds to the cache key
  std::vector<std::string> pgo_cc_;    // its flags for each C compile
  std::vector<std::string> pgo_link_;  // and for the link
};

}  // namespace wasmlet::engine
