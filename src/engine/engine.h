#pragma once
// The engine's front door: wasm bytes in, loaded native modules out.
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <vector>

#include "engine/codegen.h"
#include "engine/compiler.h"
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
};

// Throws Error listing every import that is neither provided by the host nor linked, as
// `module.name`, or whose signature differs from the host's.
void check_imports(const ModuleInfo& info, const LoadOptions& options);

class Engine {
 public:
  explicit Engine(CompilerConfig config = {});

  // Parses, checks imports, compiles (or finds in the cache) and loads a module.
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
