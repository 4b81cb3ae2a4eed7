#include "runtime/faasm_environment.h"

#include <string_view>
#include <utility>

#include "util/files.h"

namespace wasmlet::runtime {
namespace {

// Faasm's WasmEnvironment: one thread for numeric libraries, and its Python settings.
constexpr std::string_view kFaasmEnv[] = {
    "MKL_NUM_THREADS=1", "OPENBLAS_NUM_THREADS=1", "PYTHON_PATH=/", "PYTHONHOME=/",
    "PYTHONHASHSEED=0",  "PYTHONNOUSERSITE=on",    "PYTHONWASM=1",
};

// The Faaslet's one user agrees with the SDK's getuid() and getpwuid()
// (sdk/c/include/wasmlet/faaslet_user.h). No name servers: a Faaslet has no network.
constexpr std::pair<const char*, std::string_view> kEtcFiles[] = {
    {"hosts", "127.0.0.1 localhost\n"},
    {"passwd", "faasm:x:1000:1000::/:/bin/false\n"},
    {"resolv.conf", "# no name servers: functions have no network\n"},
};

}  // namespace

std::vector<std::string> split_faasm_cmdline(std::string_view cmdline) {
  std::vector<std::string> args;
  if (cmdline.empty()) return args;
  for (size_t start = 0;;) {
    size_t space = cmdline.find(' ', start);
    args.emplace_back(cmdline.substr(start, space - start));
    if (space == std::string_view::npos) return args;
    start = space + 1;
  }
}

std::filesystem::path write_faasm_etc(const std::filesystem::path& dir) {
  std::filesystem::create_directories(dir);
  for (const auto& [name, text] : kEtcFiles) util::write_file_atomic(dir / name, text);
  return dir;
}

void apply_faasm_environment(faaslet::FunctionConfig& config,
                             const std::filesystem::path& etc_dir) {
  config.host.args = {kFaasmArgv0};
  config.host.env.insert(config.host.env.end(), std::begin(kFaasmEnv), std::end(kFaasmEnv));
  config.host.fs.mounts.push_back({"/etc", etc_dir});
  // A writable working directory over the shared files, and writable faasm:// files.
  config.host.fs.faasm_files = true;
}

}  // namespace wasmlet::runtime
