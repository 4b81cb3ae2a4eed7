#pragma once
// The workflow registry as a Replicator sees it: versions are the definitions' sha256, and a
// definition is published as uploaded.
#include <map>
#include <optional>
#include <string>

#include "cluster/replicator.h"
#include "workflow/workflow_registry.h"

namespace wasmlet::cluster {

class WorkflowCatalog final : public LocalCatalog, public workflow::DefinitionObserver {
 public:
  explicit WorkflowCatalog(workflow::WorkflowRegistry& workflows) : workflows_(workflows) {}
  void attach(Replicator* replicator) { replicator_ = replicator; }

  std::map<std::string, std::string> versions() override;
  void install(const std::string& name, const CodeRecord& record) override;
  void remove(const std::string& name) override;
  std::optional<CodeRecord> record_of(const std::string& name) override;

  void stored(const runtime::FunctionId& id, std::string_view definition) noexcept override;
  void removed(const runtime::FunctionId& id) noexcept override;

 private:
  workflow::WorkflowRegistry& workflows_;
  Replicator* replicator_ = nullptr;
};

}  // namespace wasmlet::cluster
