#include "engine/module.h"

#include <dlfcn.h>
#include <fmt/format.h>

#include <cstring>

#include "engine/codegen.h"
#include "util/error.h"

namespace wasmlet::engine {

SharedLibrary::SharedLibrary(const std::filesystem::path& path)
    : handle_(dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL)) {
  if (handle_ == nullptr) throw Error(fmt::format("cannot load compiled module: {}", dlerror()));
}

SharedLibrary::~SharedLibrary() { dlclose(handle_); }

void* SharedLibrary::symbol(const std::string& name) const { return dlsym(handle_, name.c_str()); }

Module::Module(std::shared_ptr<SharedLibrary> library, const std::string& c_name, ModuleInfo info,
               double compile_seconds, bool cache_hit)
    : library_(std::move(library)),
      info_(std::move(info)),
      compile_seconds_(compile_seconds),
      cache_hit_(cache_hit) {
  abi_ = static_cast<const AbiModule*>(library_->symbol(descriptor_symbol(c_name)));
  if (abi_ == nullptr)
    throw Error(fmt::format("compiled module lacks {}", descriptor_symbol(c_name)));
  if (abi_->abi_version != kAbiVersion) {
    throw Error(fmt::format("compiled module has ABI {}, runtime expects {}", abi_->abi_version,
                            kAbiVersion));
  }
}

const AbiExport* Module::find_export(std::string_view name) const {
  for (uint32_t i = 0; i < abi_->export_count; ++i) {
    const AbiExport& e = abi_->exports[i];
    if (std::string_view(e.name, e.name_len) == name) return &e;
  }
  return nullptr;
}

}  // namespace wasmlet::engine
