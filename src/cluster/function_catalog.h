#pragma once
// The runtime's functions as a Replicator sees them: versions are the uploads' sha256; wasm
// modules and Python sources or archives are published as uploaded.
#include <map>
#include <optional>
#include <string>

#include "cluster/replicator.h"
#include "runtime/runtime.h"

namespace wasmlet::cluster {

class FunctionCatalog final : public LocalCatalog, public runtime::FunctionObserver {
 public:
  explicit FunctionCatalog(runtime::Runtime& runtime) : runtime_(runtime) {}
  // Who hears of uploads and removals made here. Set once, before any.
  void attach(Replicator* replicator) { replicator_ = replicator; }

  std::map<std::string, std::string> versions() override;
  void install(const std::string& name, const CodeRecord& record) override;
  void remove(const std::string& name) override;
  std::optional<CodeRecord> record_of(const std::string& name) override;

  void uploaded(const runtime::FunctionInfo& info, std::string_view body,
                const runtime::PythonUpload* python) noexcept override;
  void removed(const runtime::FunctionId& id) noexcept override;

 private:
  runtime::Runtime& runtime_;
  Replicator* replicator_ = nullptr;
};

// "user/name" as a FunctionId; throws Error for a name that is not one.
runtime::FunctionId function_of(const std::string& name);

}  // namespace wasmlet::cluster
