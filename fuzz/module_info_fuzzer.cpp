// libFuzzer target: Wasmlet's module parser (engine/module_info.cpp), which reads every upload
// before anything else does. Any input must either parse or be rejected as ModuleRejected; any
// other exception, crash or sanitizer report is a finding.
#include <cstddef>
#include <cstdint>
#include <span>

#include "engine/errors.h"
#include "engine/module_info.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace wasmlet::engine;
  std::span<const unsigned char> wasm(data, size);
  try {
    ModuleInfo info = parse_module_info(wasm, ModuleLimits{});
    for (const auto& e : info.exports) {
      (void)signature_params(e.type.signature);
      (void)signature_results(e.type.signature);
    }
  } catch (const ModuleRejected&) {
  }
  return 0;
}
