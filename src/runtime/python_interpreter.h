#pragma once
// The CPython interpreter every Python function runs in: one compiled module shared by all of
// them (compiled once, cached in the Python home), its standard library and Wasmlet's guest
// modules. A Python home directory holds:
//   python.wasm         the interpreter with Wasmlet's host program
//   lib/python3.11/     the standard library, compiled to .pyc
//   lib/wasmlet/        Wasmlet's guest modules (wasmlet, pyfaasm)
//   lib/site-packages/  pure Python libraries functions may import (Flask and its needs)
//   native/             the compiled interpreter (created on first use; the build's home links
//                       it to the user's cache: toolchain/python/host/compile_native.sh)
//   python.profdata     optional: the profile the interpreter's C is optimised with (the build
//                       trains one, toolchain/python/host/train_profile.py)
//   profile-generate    optional, for that training only: compile an instrumented interpreter
#include <filesystem>
#include <memory>
#include <mutex>

#include "engine/engine.h"
#include "faaslet/function_config.h"
#include "runtime/function_store.h"
#include "util/mutex.h"

namespace wasmlet::runtime {

// Where a Python function's Faaslets see their code and libraries.
inline constexpr const char* kPythonPackagePath = "/function";
inline constexpr const char* kPythonStdlibPath = "/usr/local/lib/python3.11";
inline constexpr const char* kPythonGuestLibPath = "/usr/local/lib/wasmlet";
inline constexpr const char* kPythonSitePackagesPath = "/usr/local/lib/site-packages";
// Pages a reused Python Faaslet's reset keeps private (FunctionLimits::kept_pages).
inline constexpr size_t kPythonKeptPages = 2048;

class PythonInterpreter {
 public:
  // `home` empty: this runtime runs no Python functions.
  explicit PythonInterpreter(std::filesystem::path home);

  bool available() const { return !home_.empty(); }
  const std::filesystem::path& home() const { return home_; }

  // The interpreter module, loaded (and compiled, the first time) once. Throws Error when the
  // home is missing or incomplete.
  std::shared_ptr<const engine::Module> module(const engine::LoadOptions& options);

  // Gives a Python function's Faaslets their file system and entry.
  void configure(faaslet::FunctionConfig& config, const FunctionInfo& info,
                 const std::filesystem::path& package_dir) const;

 private:
  std::filesystem::path home_;
  util::Mutex mutex_;
  std::unique_ptr<engine::Engine> engine_ GUARDED_BY(mutex_);
  std::shared_ptr<const engine::Module> module_ GUARDED_BY(mutex_);
};

}  // namespace wasmlet::runtime
