#include "test_engine.h"

#include <utility>

#include "test_support.h"

namespace wasmlet::test {

namespace {

const engine::Engine& test_engine() {
  static const engine::Engine engine(engine::CompilerConfig{WASMLET_TEST_CACHE_DIR});
  return engine;
}

}  // namespace

std::shared_ptr<const engine::Module> load_guest(const std::string& name,
                                                 std::vector<engine::HostImport> imports) {
  engine::LoadOptions options;
  options.host_imports = std::move(imports);
  return test_engine().load(guest_bytes(name), options);
}

}  // namespace wasmlet::test
