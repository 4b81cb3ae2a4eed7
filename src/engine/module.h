#pragma once
// A compiled module loaded into the process. Instances hold a reference, so the code stays
// mapped for as long as anything can run it.
#include <filesystem>
#include <memory>
#include <string>

#include "engine/module_abi.h"
#include "engine/module_info.h"

namespace wasmlet::engine {

// A dlopen handle, closed on destruction.
class SharedLibrary {
 public:
  explicit SharedLibrary(const std::filesystem::path& path);
  SharedLibrary(const SharedLibrary&) = delete;
  SharedLibrary& operator=(const SharedLibrary&) = delete;
  ~SharedLibrary();
  void* symbol(const std::string& name) const;

 private:
  void* handle_ = nullptr;
};

class Module {
 public:
  Module(std::shared_ptr<SharedLibrary> library, const std::string& c_name, ModuleInfo info,
         double compile_seconds, bool cache_hit);

  const ModuleInfo& info() const { return info_; }
  const AbiModule& abi() const { return *abi_; }
  const AbiExport* find_export(std::string_view name) const;
  double compile_seconds() const { return compile_seconds_; }
  bool cache_hit() const { return cache_hit_; }

 private:
  std::shared_ptr<SharedLibrary> library_;
  const AbiModule* abi_ = nullptr;
  ModuleInfo info_;
  double compile_seconds_ = 0;
  bool cache_hit_ = false;
};

}  // namespace wasmlet::engine
