#pragma once
// Guest modules loaded through a real engine with a per-run cache directory, for the tests of
// the engine and the layers above it.
#include <memory>
#include <string>
#include <vector>

#include "engine/engine.h"

namespace wasmlet::test {

// Loads guest module `name` ("traps" -> .../traps.wasm) through one engine for the whole test
// binary, offering it `imports`: none for a module that imports nothing, host::host_imports()
// for the host's real ones.
std::shared_ptr<const engine::Module> load_guest(const std::string& name,
                                                 std::vector<engine::HostImport> imports = {});

}  // namespace wasmlet::test
