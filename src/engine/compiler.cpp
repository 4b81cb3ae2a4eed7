#include "engine/compiler.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <exception>
#include <future>

#include "engine/codegen_id.h"
#include "engine/errors.h"
#include "engine/module_abi.h"
#include "util/files.h"
#include "util/sha256.h"

#ifndef WASMLET_WASM2C_VERSION
#define WASMLET_WASM2C_VERSION "unknown"
#endif

namespace wasmlet::engine {
namespace fs = std::filesystem;

namespace {
// Flags for compiling generated C. They are part of every cache key.
constexpr const char* kCFlags[] = {
    "-fPIC",
    "-fvisibility=hidden",
    "-ffp-contract=off",  // wasm float semantics: no fused multiply-add
    "-fno-math-errno",
    "-fno-optimize-sibling-calls",  // wasm has no tail calls: deep recursion must trap
    "-DWL_LOAD_BARRIER(r)=(void)0",
    "-w",  // generated code; warnings are wasm2c's business
};

// What decides a compile's result, hashed: a cached library is reused only when all of it is
// the same.
std::string cache_key(const std::vector<std::string>& module_names, const CodegenOptions& options,
                      const std::string& cc, const std::string& opt_level,
                      const std::string& profile_key) {
  std::string material = fmt::format("{}|{}|{}|{}|{}|{}|", kAbiVersion, WASMLET_CODEGEN_ID,
                                     WASMLET_WASM2C_VERSION, cc, opt_level, profile_key);
  for (const char* f : kCFlags) material += std::string(f) + " ";
  for (const auto& m : options.linked_import_modules) material += m + ",";
  material += options.hoist_memory_base ? "hoist|" : "reload|";
  for (const auto& name : module_names) material += name + ";";
  return util::sha256_hex(
      {reinterpret_cast<const unsigned char*>(material.data()), material.size()});
}

// Throws CompileFailed for a tool that failed. Its messages name files in the private work
// directory; the client needs only the file names.
void check_tool(const util::ProcessResult& r, std::string_view what, const std::string& work_dir) {
  if (r.exit_code == 0) return;
  std::string detail = r.signal != 0 ? fmt::format("killed by signal {}\n", r.signal) : "";
  throw CompileFailed(fmt::format("{} failed:\n{}{}", what, detail,
                                  erase_all(erase_all(r.output, work_dir + "/"), work_dir)));
}

// Compiles each source to an object, `jobs` at a time. The first failure stops the others
// (through `failed`, which `run` watches) and is what is thrown.
std::vector<fs::path> compile_objects(const std::vector<fs::path>& sources, const CompileRun& run,
                                      const std::string& opt_level,
                                      const std::vector<std::string>& extra_flags, unsigned jobs,
                                      const fs::path& work, std::stop_source& failed) {
  auto compile_one = [&](const fs::path& src) {
    fs::path obj = fs::path(src).replace_extension(".o");
    std::vector<std::string> argv = {run.cc_program(), opt_level};
    argv.insert(argv.end(), std::begin(kCFlags), std::end(kCFlags));
    argv.insert(argv.end(), extra_flags.begin(), extra_flags.end());
    argv.insert(argv.end(), {"-c", "-I", work.string(), src.string(), "-o", obj.string()});
    try {
      check_tool(run_compiler(argv, run), fmt::format("C compiler on {}", src.filename().string()),
                 work.string());
    } catch (...) {
      failed.request_stop();
      throw;
    }
    return obj;
  };
  std::vector<fs::path> objects;
  jobs = std::max(1u, jobs);
  for (size_t i = 0; i < sources.size(); i += jobs) {
    std::vector<std::future<fs::path>> batch;
    for (size_t j = i; j < std::min(sources.size(), i + jobs); ++j) {
      batch.push_back(std::async(std::launch::async, compile_one, sources[j]));
    }
    // The compiles a failure stopped report CompileCancelled; the failure is what to throw.
    std::exception_ptr failure, cancelled;
    for (auto& f : batch) {
      try {
        objects.push_back(f.get());
      } catch (const CompileCancelled&) {
        cancelled = std::current_exception();
      } catch (...) {
        if (!failure) failure = std::current_exception();
      }
    }
    if (failure) std::rethrow_exception(failure);
    if (cancelled) std::rethrow_exception(cancelled);
  }
  return objects;
}

}  // namespace

fs::path default_cache_dir() {
  if (const char* d = std::getenv("WASMLET_CACHE_DIR"); d && *d) return d;
  if (const char* x = std::getenv("XDG_CACHE_HOME"); x && *x) return fs::path(x) / "wasmlet";
  if (const char* h = std::getenv("HOME"); h && *h) return fs::path(h) / ".cache" / "wasmlet";
  return fs::temp_directory_path() / "wasmlet-cache";
}

std::string module_name_for(std::span<const unsigned char> wasm) {
  return "w" + util::sha256_hex(wasm).substr(0, 20);
}

Compiler::Compiler(CompilerConfig config) : config_(std::move(config)) {
  fs::path root = config_.cache_dir.empty() ? default_cache_dir() : config_.cache_dir;
  dir_ = root / fmt::format("abi{}", kAbiVersion);
  fs::create_directories(dir_);
  // A static function's counts are filed under its source file's name, by default with the
  // directory, which for the generated C is a fresh temporary one per compile: only the name
  // (the module's, from its content) must count, or no profile would ever match its code.
  const std::vector<std::string> pgo_names = {"-mllvm", "-static-func-full-module-prefix=false"};
  switch (config_.profile.mode) {
    case CompileProfile::Mode::none:
      break;
    case CompileProfile::Mode::generate:
      profile_key_ = "profile-generate";
      pgo_cc_ = pgo_link_ = {"-fprofile-generate"};
      pgo_cc_.insert(pgo_cc_.end(), pgo_names.begin(), pgo_names.end());
      break;
    case CompileProfile::Mode::use: {
      // Keyed by content: a new profile is a new library, never a stale one reused.
      const fs::path data = fs::absolute(config_.profile.data);
      std::vector<unsigned char> bytes;
      try {
        bytes = util::read_file(data);
      } catch (const std::exception& e) {
        throw Error(fmt::format("cannot read the compile profile {}: {}", data.string(), e.what()));
      }
      profile_key_ = "profile-use:" + util::sha256_hex(bytes);
      pgo_cc_ = {"-fprofile-use=" + data.string()};
      pgo_cc_.insert(pgo_cc_.end(), pgo_names.begin(), pgo_names.end());
      break;
    }
  }
}

Artifact Compiler::compile(const std::vector<CompileUnit>& units, const CodegenOptions& options,
                           const std::stop_token& stop) const {
  if (units.empty()) throw Error("nothing to compile");
  // The first failure, or the caller, stops every compiler process of this compile.
  std::stop_source failed;
  std::stop_callback forward(stop, [&failed] { failed.request_stop(); });
  CompileRun run{config_.wasm2c, config_.cc, config_.compile_limits, {}, failed.get_token()};

  Artifact artifact;
  for (const auto& u : units) artifact.module_names.push_back(module_name_for(u.wasm));
  const std::string key =
      cache_key(artifact.module_names, options, run.cc_program(), config_.opt_level, profile_key_);
  artifact.library = dir_ / (key + ".so");

  if (fs::exists(artifact.library)) {
    artifact.cache_hit = true;
    return artifact;
  }
  util::FileLock lock(dir_ / (key + ".lock"));
  if (fs::exists(artifact.library)) {  // another process finished it while we waited
    artifact.cache_hit = true;
    return artifact;
  }

  auto start = std::chrono::steady_clock::now();
  run.deadline = start + config_.compile_limits.wall_time;  // shared by all its processes
  util::TempDir work(dir_ / "tmp", key.substr(0, 12));
  std::vector<fs::path> sources;
  std::vector<std::string> seen;
  for (size_t i = 0; i < units.size(); ++i) {
    const auto& name = artifact.module_names[i];
    if (std::find(seen.begin(), seen.end(), name) != seen.end()) continue;  // same module twice
    seen.push_back(name);
    sources.push_back(generate_c(units[i].wasm, *units[i].info, name, options, work.path(), run));
  }

  std::vector<fs::path> objects =
      compile_objects(sources, run, config_.opt_level, pgo_cc_, config_.jobs, work.path(), failed);
  fs::path tmp_so = work.path() / "out.so";
  std::vector<std::string> link = {run.cc_program(), "-shared", "-o", tmp_so.string()};
  link.insert(link.end(), pgo_link_.begin(), pgo_link_.end());
  for (const auto& o : objects) link.push_back(o.string());
  check_tool(run_compiler(link, run), "linking the compiled module", work.path().string());
  {
    util::UniqueFd fd(::open(tmp_so.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd || ::fsync(fd.get()) != 0) throw Error("cannot flush the compiled module to disk");
  }
  fs::rename(tmp_so, artifact.library);  // same file system: readers see all of it or nothing
  artifact.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return artifact;
}

}  // namespace wasmlet::engine
