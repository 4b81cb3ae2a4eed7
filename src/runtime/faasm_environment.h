#pragma once
// What a C/C++ function sees of its surroundings on Faasm, so that code written for Faasm finds
// it here too: argv[0], Faasm's default environment variables, a read-only /etc, and Faasm's
// files (a writable working directory per call, writable faasm:// files).
#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "faaslet/function_config.h"

namespace wasmlet::runtime {

// Faasm names every function's module "function.wasm" and passes that as argv[0].
inline constexpr const char* kFaasmArgv0 = "function.wasm";

// Bounds on an invocation's cmdline, so that a message cannot make argv arbitrarily large.
inline constexpr size_t kMaxCmdlineBytes = 64 << 10;
inline constexpr size_t kMaxCmdlineArgs = 1024;

// argv[1..] from a Faasm cmdline, split as Faasm splits it: at every space, so that two
// spaces in a row make an empty argument. An empty cmdline has none.
std::vector<std::string> split_faasm_cmdline(std::string_view cmdline);

// Writes /etc/hosts, /etc/passwd and /etc/resolv.conf, as every Faaslet sees them, into
// `dir` (made if missing) and returns it.
std::filesystem::path write_faasm_etc(const std::filesystem::path& dir);

// Sets argv[0], the default environment, the /etc mount (`etc_dir`, from write_faasm_etc) and
// FsConfig::faasm_files.
void apply_faasm_environment(faaslet::FunctionConfig& config, const std::filesystem::path& etc_dir);

}  // namespace wasmlet::runtime
