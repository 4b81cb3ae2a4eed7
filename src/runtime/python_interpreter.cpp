#include "runtime/python_interpreter.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>

#include "util/files.h"

namespace wasmlet::runtime {

namespace fs = std::filesystem;

namespace {
engine::CompilerConfig compiler_config(const fs::path& home) {
  engine::CompilerConfig config{home / "native"};
  // The operator's own interpreter, not an upload: a profile-guided compile of its 61 MB of C
  // takes clang several minutes, more than an upload may.
  config.compile_limits.wall_time = config.compile_limits.cpu_time = std::chrono::minutes(60);
  if (fs::exists(home / "profile-generate")) {
    config.profile = {engine::CompileProfile::Mode::generate, {}};
  } else if (fs::exists(home / "python.profdata")) {
    config.profile = {engine::CompileProfile::Mode::use, home / "python.profdata"};
  }
  return config;
}
}  // namespace

PythonInterpreter::PythonInterpreter(fs::path home) : home_(std::move(home)) {}

std::shared_ptr<const engine::Module> PythonInterpreter::module(
    const engine::LoadOptions& options) {
  if (!available()) throw Error("this server has no Python interpreter (see --python-home)");
  util::MutexLock lock(mutex_);
  if (module_) return module_;
  for (const char* part : {"python.wasm", "lib/python3.11", "lib/wasmlet", "lib/site-packages"}) {
    if (!fs::exists(home_ / part)) {
      throw Error(fmt::format("the Python home {} has no {}", home_.string(), part));
    }
  }
  // Made on first use: reading and hashing the profile is no work for a server that runs no
  // Python.
  if (!engine_) engine_ = std::make_unique<engine::Engine>(compiler_config(home_));
  auto bytes = util::read_file(home_ / "python.wasm");
  module_ = engine_->load(bytes, options);
  if (!module_->cache_hit()) {
    spdlog::info("compiled the Python interpreter in {:.1f} s", module_->compile_seconds());
  }
  return module_;
}

void PythonInterpreter::configure(faaslet::FunctionConfig& config, const FunctionInfo& info,
                                  const fs::path& package_dir) const {
  // A Python call writes far more pages than a C one (reference counts are writes): a web
  // request through Flask writes about 600. Keeping them private spares every call those
  // page faults, for 8 MiB at most per idle Faaslet (docs/faaslets.md).
  config.limits.kept_pages = std::max<size_t>(config.limits.kept_pages, kPythonKeptPages);
  // No heap reserve: the zygote's warm-up has grown the heap to what calls use, and with the
  // reserve light Flask requests measured 7% slower (docs/benchmarks.md, session 26).
  config.limits.heap_reserve_bytes = 0;
  auto& fs_config = config.host.fs;
  fs_config.mounts.push_back({kPythonPackagePath, package_dir});
  fs_config.mounts.push_back({kPythonStdlibPath, home_ / "lib" / "python3.11"});
  fs_config.mounts.push_back({kPythonGuestLibPath, home_ / "lib" / "wasmlet"});
  fs_config.mounts.push_back({kPythonSitePackagesPath, home_ / "lib" / "site-packages"});
  config.host.env.push_back("WASMLET_PY_MODULE=" + info.python_entry.module);
  config.host.env.push_back("WASMLET_PY_FUNCTION=" + info.python_entry.function);
  config.host.env.push_back(
      fmt::format("WASMLET_PY_CONVENTION={}", convention_name(info.convention)));
}

}  // namespace wasmlet::runtime
