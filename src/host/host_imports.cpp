#include "host/host_imports.h"

namespace wasmlet::host {

std::vector<engine::HostImport> host_imports() {
  std::vector<engine::HostImport> out;
  for (auto table : {wasi_functions(), faasm_io_functions(), faasm_chain_functions(),
                     faasm_state_functions(), python_functions(), posix_functions()}) {
    for (const auto& f : table) out.push_back({f.module, f.name, f.signature});
  }
  return out;
}

}  // namespace wasmlet::host
