#include "cluster/function_catalog.h"

#include <spdlog/spdlog.h>

#include "util/files.h"

namespace wasmlet::cluster {

runtime::FunctionId function_of(const std::string& name) {
  size_t slash = name.find('/');
  if (slash == std::string::npos) throw Error("not a name of the form user/name: " + name);
  return runtime::make_function_id(std::string_view(name).substr(0, slash),
                                   std::string_view(name).substr(slash + 1));
}

std::map<std::string, std::string> FunctionCatalog::versions() {
  std::map<std::string, std::string> versions;
  for (const auto& info : runtime_.functions()) versions.emplace(info.id.str(), info.sha256);
  return versions;
}

void FunctionCatalog::install(const std::string& name, const CodeRecord& record) {
  runtime::FunctionId id = function_of(name);
  if (record.python) {
    runtime_.upload_python(id, record.body, {record.entry, record.convention});
  } else {
    runtime_.upload_wasm(
        id, {reinterpret_cast<const unsigned char*>(record.body.data()), record.body.size()});
  }
}

void FunctionCatalog::remove(const std::string& name) {
  runtime_.remove_function(function_of(name));
}

std::optional<CodeRecord> FunctionCatalog::record_of(const std::string& name) {
  auto info = runtime_.function(function_of(name));
  if (!info) return std::nullopt;
  if (info->kind != runtime::FunctionKind::Wasm) {
    // The store keeps a Python package unpacked, not the archive it came in.
    spdlog::warn(
        "cluster: {} is a Python function only this host holds; upload it again to "
        "share it with the cluster",
        name);
    return std::nullopt;
  }
  std::vector<unsigned char> module = util::read_file(runtime_.store().module_path(*info));
  return CodeRecord{false, info->sha256, std::string(module.begin(), module.end()), {}, {}};
}

void FunctionCatalog::uploaded(const runtime::FunctionInfo& info, std::string_view body,
                               const runtime::PythonUpload* python) noexcept {
  if (replicator_ == nullptr) return;
  try {
    CodeRecord record{python != nullptr, info.sha256, std::string(body), {}, {}};
    if (python != nullptr) {
      record.entry = python->entry;
      record.convention = python->convention;
    }
    replicator_->published(info.id.str(), std::move(record));
  } catch (const std::exception& e) {
    spdlog::error("cluster: cannot publish {}: {}", info.id.str(), e.what());
  }
}

void FunctionCatalog::removed(const runtime::FunctionId& id) noexcept {
  if (replicator_ != nullptr) replicator_->retracted(id.str());
}

}  // namespace wasmlet::cluster
