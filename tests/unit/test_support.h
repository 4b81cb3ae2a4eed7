#pragma once
// Shared helpers for the tests: locating guest modules built by the project's toolchain and
// loading them through a real engine with a per-run cache directory.
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "engine/engine.h"

namespace wasmlet::test {

std::filesystem::path guest_path(const std::string& name);  // "traps" -> .../traps.wasm
std::vector<unsigned char> guest_bytes(const std::string& name);

// One engine for the whole test binary, caching under the build tree.
const engine::Engine& test_engine();

// Loads a module with the host's real imports.
std::shared_ptr<const engine::Module> load_guest(const std::string& name);

// An empty directory for the running test: <build>/<group>/<test name>, emptied first.
std::filesystem::path fresh_test_dir(const std::string& group);

// Open file descriptors and memory mappings of this process right now.
size_t open_fd_count();
size_t mapping_count();
size_t virtual_size_kib();

}  // namespace wasmlet::test
