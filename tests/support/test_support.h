#pragma once
// Shared helpers for the tests of every layer: locating guest modules built by the project's
// toolchain, per-test directories, and what the process holds. Loading guests needs the engine:
// test_engine.h.
#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

namespace wasmlet::test {

std::filesystem::path guest_path(const std::string& name);  // "traps" -> .../traps.wasm
std::vector<unsigned char> guest_bytes(const std::string& name);

// An empty directory for the running test: <build>/<group>/<test name>, emptied first.
std::filesystem::path fresh_test_dir(const std::string& group);

// Makes `data_dir` (created if missing) use the tests' one compile cache, so that each module
// compiles once per build however many runtimes the tests make.
void share_compile_cache(const std::filesystem::path& data_dir);

// Open file descriptors and memory mappings of this process right now.
size_t open_fd_count();
size_t mapping_count();
size_t virtual_size_kib();

}  // namespace wasmlet::test
