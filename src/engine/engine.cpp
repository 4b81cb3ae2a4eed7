#include "engine/engine.h"

#include <fmt/format.h>
#include <wasm-rt.h>

#include <algorithm>

namespace wasmlet::engine {

void check_imports(const ModuleInfo& info, const LoadOptions& options) {
  std::vector<std::string> problems;
  for (const auto& imp : info.imports) {
    if (options.codegen.linked_import_modules.contains(imp.module)) continue;
    std::string what = fmt::format("{}.{}", imp.module, imp.name);
    if (imp.type.kind != ExternKind::Func) {
      problems.push_back(what + " (the host provides functions only)");
      continue;
    }
    const HostImport* found = nullptr;
    for (const auto& h : options.host_imports) {
      if (h.module == imp.module && h.name == imp.name) found = &h;
    }
    if (found == nullptr) {
      problems.push_back(what);
    } else if (found->signature != imp.type.signature) {
      problems.push_back(fmt::format("{} (module expects {}, host has {})", what,
                                     imp.type.signature, found->signature));
    }
  }
  if (!problems.empty()) {
    std::string list;
    for (const auto& p : problems) list += (list.empty() ? "" : ", ") + p;
    throw ModuleRejected(fmt::format("unknown import{}: {}", problems.size() > 1 ? "s" : "", list));
  }
}

Engine::Engine(CompilerConfig config) : compiler_(std::move(config)) { wasm_rt_init(); }

std::shared_ptr<const Module> Engine::load(std::span<const unsigned char> wasm,
                                           const LoadOptions& options) const {
  return load_batch({wasm}, options).front();
}

std::vector<std::shared_ptr<const Module>> Engine::load_batch(
    const std::vector<std::span<const unsigned char>>& wasms, const LoadOptions& options) const {
  std::vector<ModuleInfo> infos;
  infos.reserve(wasms.size());
  for (const auto& w : wasms) {
    infos.push_back(parse_module_info(w, compiler_.config().module_limits));
    check_imports(infos.back(), options);
  }
  std::vector<CompileUnit> units;
  for (size_t i = 0; i < wasms.size(); ++i) units.push_back({wasms[i], &infos[i]});
  Artifact artifact = compiler_.compile(units, options.codegen, options.stop);
  auto library = std::make_shared<SharedLibrary>(artifact.library);

  std::vector<std::shared_ptr<const Module>> modules;
  std::vector<std::string> initialised;
  for (size_t i = 0; i < wasms.size(); ++i) {
    auto m = std::make_shared<const Module>(library, artifact.module_names[i], std::move(infos[i]),
                                            artifact.seconds, artifact.cache_hit);
    // init_module registers the module's function types; once per loaded copy is enough.
    if (std::find(initialised.begin(), initialised.end(), artifact.module_names[i]) ==
        initialised.end()) {
      m->abi().init_module();
      initialised.push_back(artifact.module_names[i]);
    }
    modules.push_back(std::move(m));
  }
  return modules;
}

}  // namespace wasmlet::engine
