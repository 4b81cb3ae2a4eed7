// wasmlet_spectest FILE.json...: runs spec-format scripts (wabt's wast2json output) through
// the engine. A test tool, not part of the product: the `spec.*` tests run it.
#include <fmt/format.h>

#include <chrono>
#include <exception>
#include <filesystem>
#include <iostream>

#include "engine/engine.h"
#include "spectest_runner.h"

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: wasmlet_spectest FILE.json...\n";
    return 2;
  }
  try {
    wasmlet::engine::Engine engine;
    wasmlet::spectest::SpectestCounts total;
    for (int i = 1; i < argc; ++i) {
      std::filesystem::path file = argv[i];
      auto t0 = std::chrono::steady_clock::now();
      auto c = wasmlet::spectest::run_spectest(engine, file, std::cout);
      double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      std::cout << fmt::format("{}: {} passed, {} failed, {} skipped ({:.1f} s)\n",
                               file.filename().string(), c.passed, c.failed, c.skipped, s);
      total.passed += c.passed;
      total.failed += c.failed;
      total.skipped += c.skipped;
    }
    std::cout << fmt::format(
        "{} passed, {} failed, {} skipped (text-format modules: the runner reads binary modules "
        "only)\n",
        total.passed, total.failed, total.skipped);
    return total.failed == 0 ? 0 : 1;
  } catch (const std::exception& e) {
    std::cerr << "wasmlet_spectest: error: " << e.what() << "\n";
    return 1;
  }
}
