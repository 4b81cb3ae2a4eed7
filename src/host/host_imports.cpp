#include "host/host_imports.h"

namespace wasmlet::host {

std::vector<HostFunction> host_functions() {
  std::vector<HostFunction> out;
  for (auto table : {wasi_fd_functions(), wasi_path_functions(), wasi_poll_functions(),
                     wasi_process_functions(), faasm_io_functions(), faasm_chain_functions(),
                     faasm_state_functions(), python_functions(), posix_functions()}) {
    out.insert(out.end(), table.begin(), table.end());
  }
  return out;
}

std::vector<engine::HostImport> host_imports() {
  std::vector<engine::HostImport> out;
  for (const auto& f : host_functions()) out.push_back({f.module, f.name, f.signature});
  return out;
}

}  // namespace wasmlet::host
