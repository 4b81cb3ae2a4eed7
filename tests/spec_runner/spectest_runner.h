#pragma once
// Runs the JSON scripts wabt's wast2json writes: the WebAssembly spec test format.
#include <filesystem>
#include <iosfwd>

#include "engine/engine.h"

namespace wasmlet::spectest {

struct SpectestCounts {
  int passed = 0;
  int failed = 0;
  int skipped = 0;  // commands that need a text-format parser (assert_malformed on .wat)
};

// Runs one script; failures are described on `log`, one line each.
SpectestCounts run_spectest(const engine::Engine& engine, const std::filesystem::path& json,
                            std::ostream& log);

}  // namespace wasmlet::spectest
