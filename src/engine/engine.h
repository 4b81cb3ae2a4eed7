#pragma once
// The engine's front door: wasm bytes in, loaded native modules out.
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <stop_token>
#include <string>
#include <vector>

#include "engine/codegen.h"
#include "engine/compiler.h"
#include "engine/errors.h"
#include "engine/module.h"

namespace wasmlet::engine {

// A function the host provides to guests, resolved by symbol at dlopen time.
struct HostImport {
  std::string module;
  std::string name;
  std::string signature;  // "params>results", see module_info.h
};

struct LoadOptions {
  std::vector<HostImport> host_imports;
  CodegenOptions codegen;
  std::stop_token stop;  // a stop request cancels the compile (CompileCancelled)
};

// Throws ModuleRejected listing every import that is neither provided by the host nor linked,
// as `module.name`, or whose signature differs from the host's.
void check_imports(const ModuleInfo& info, const LoadOptions& options);

class Engine {
 public:
  explicit Engine(CompilerConfig config = {});

  // Parses, checks the module limits and imports, compiles (or finds in the cache) and loads a
  // module. Errors are typed by whose fault they are (errors.h): ModuleRejected (and
  // LimitExceeded) for the module's, anything else for the server's.
  std::shared_ptr<const Module> load(std::span<const unsigned char> wasm,
                                     const LoadOptions& options) const;
  // Many modules in one shared object; one result per input, in order.
  std::vector<std::shared_ptr<const Module>> load_batch(
      const std::vector<std::span<const unsigned char>>& wasms, const LoadOptions& options) const;

  const Compiler& compiler() const { return compiler_; }

 private:
  Compiler compiler_;
};

}  // namespace wasmlet::engine
