#include "cluster/workflow_catalog.h"

#include "cluster/function_catalog.h"
#include "util/sha256.h"

namespace wasmlet::cluster {
namespace {

std::string version_of(std::string_view definition) {
  return util::sha256_hex(
      {reinterpret_cast<const unsigned char*>(definition.data()), definition.size()});
}

}  // namespace

std::map<std::string, std::string> WorkflowCatalog::versions() {
  std::map<std::string, std::string> versions;
  for (const auto& info : workflows_.list()) {
    if (auto text = workflows_.definition(info.id))
      versions.emplace(info.id.str(), version_of(*text));
  }
  return versions;
}

void WorkflowCatalog::install(const std::string& name, const CodeRecord& record) {
  workflows_.put(function_of(name), record.body);
}

void WorkflowCatalog::remove(const std::string& name) { workflows_.remove(function_of(name)); }

std::optional<CodeRecord> WorkflowCatalog::record_of(const std::string& name) {
  auto text = workflows_.definition(function_of(name));
  if (!text) return std::nullopt;
  return CodeRecord{false, version_of(*text), *text, {}, {}};
}

void WorkflowCatalog::stored(const runtime::FunctionId& id, std::string_view definition) noexcept {
  if (replicator_ == nullptr) return;
  try {
    replicator_->published(id.str(),
                           {false, version_of(definition), std::string(definition), {}, {}});
  } catch (const std::exception&) {
    // Only an allocation can fail here; the next sync publishes what this host holds.
  }
}

void WorkflowCatalog::removed(const runtime::FunctionId& id) noexcept {
  if (replicator_ != nullptr) replicator_->retracted(id.str());
}

}  // namespace wasmlet::cluster
