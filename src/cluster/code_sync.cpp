#include "cluster/code_sync.h"

#include <spdlog/spdlog.h>

#include "state/global_state.h"
#include "util/files.h"

namespace wasmlet::cluster {
namespace {

// Set while this host installs or removes what the cluster asked for, so the observer does not
// publish the change back (it would race a newer upload elsewhere).
thread_local bool t_applying = false;

class Applying {
 public:
  Applying() { t_applying = true; }
  ~Applying() { t_applying = false; }
  Applying(const Applying&) = delete;
  Applying& operator=(const Applying&) = delete;
};

// Changes waiting for Redis are a host's memory: a long outage keeps the newest this many.
constexpr size_t kMaxPending = 256;

runtime::FunctionId function_of(const std::string& name) {
  size_t slash = name.find('/');
  if (slash == std::string::npos) throw Error("not a function name: " + name);
  return runtime::make_function_id(std::string_view(name).substr(0, slash),
                                   std::string_view(name).substr(slash + 1));
}

}  // namespace

void CodeSync::uploaded(const runtime::FunctionInfo& info, std::string_view body,
                        const runtime::PythonUpload* python) noexcept {
  if (t_applying) return;
  try {
    CodeRecord record{python != nullptr, info.sha256, std::string(body), {}, {}};
    if (python != nullptr) {
      record.entry = python->entry;
      record.convention = python->convention;
    }
    std::string name = info.id.str();
    {
      util::MutexLock lock(mutex_);
      pending_retract_.erase(name);
      if (pending_publish_.size() >= kMaxPending && !pending_publish_.contains(name)) {
        spdlog::error("cluster: {} changes wait for Redis; {} is published by the next full sync",
                      pending_publish_.size(), name);
        return;
      }
      pending_publish_[name] = std::move(record);
    }
    flush_pending();
  } catch (const std::exception& e) {
    spdlog::warn("cluster: publishing {} later: {}", info.id.str(), e.what());
  }
}

void CodeSync::removed(const runtime::FunctionId& id) noexcept {
  if (t_applying) return;
  try {
    {
      util::MutexLock lock(mutex_);
      pending_publish_.erase(id.str());
      pending_retract_.insert(id.str());
    }
    flush_pending();
  } catch (const std::exception& e) {
    spdlog::warn("cluster: retracting {} later: {}", id.str(), e.what());
  }
}

void CodeSync::flush_pending() {
  std::map<std::string, CodeRecord> publish;
  std::set<std::string> retract;
  {
    util::MutexLock lock(mutex_);
    publish.swap(pending_publish_);
    retract.swap(pending_retract_);
  }
  // Whatever is not sent goes back, unless a newer change to the same name came meanwhile.
  auto keep = [&] {
    util::MutexLock lock(mutex_);
    for (auto& [name, record] : publish) {
      if (!pending_retract_.contains(name)) pending_publish_.try_emplace(name, std::move(record));
    }
    for (const auto& name : retract) {
      if (!pending_publish_.contains(name)) pending_retract_.insert(name);
    }
  };
  try {
    while (!publish.empty()) {
      registry_.publish(publish.begin()->first, publish.begin()->second);
      publish.erase(publish.begin());
    }
    while (!retract.empty()) {
      registry_.retract(*retract.begin());
      retract.erase(retract.begin());
    }
  } catch (...) {
    keep();
    throw;
  }
}

SyncReport CodeSync::sync() {
  flush_pending();
  SyncReport report;
  std::map<std::string, runtime::FunctionInfo> local;
  for (auto& info : runtime_.functions()) local.emplace(info.id.str(), std::move(info));
  std::map<std::string, std::string> index = registry_.index();
  for (const auto& [name, version] : index) {
    runtime::FunctionId id;
    try {
      id = function_of(name);
    } catch (const std::exception& e) {
      spdlog::warn("cluster: skipping index entry '{}': {}", name, e.what());
      continue;
    }
    auto here = local.find(name);
    if (version == kTombstone) {
      if (here == local.end()) continue;
      Applying applying;
      if (runtime_.remove_function(id)) ++report.removed;
      continue;
    }
    if (here != local.end() && here->second.sha256 == version) continue;
    if (auto failed = failed_.find(name); failed != failed_.end() && failed->second == version) {
      continue;
    }
    install(id, name, version, report);
  }
  // Only here: uploaded before this host joined, or while Redis was away (or lost its data).
  for (const auto& [name, info] : local) {
    if (index.contains(name)) continue;
    if (info.kind != runtime::FunctionKind::Wasm) {
      if (failed_.try_emplace(name, info.sha256).second) {
        spdlog::warn(
            "cluster: {} is a Python function only this host holds; upload it again "
            "to share it with the cluster",
            name);
      }
      continue;
    }
    std::vector<unsigned char> module = util::read_file(runtime_.store().module_path(info));
    registry_.publish(name,
                      {false, info.sha256, std::string(module.begin(), module.end()), {}, {}});
    ++report.published;
  }
  return report;
}

void CodeSync::install(const runtime::FunctionId& id, const std::string& name,
                       const std::string& version, SyncReport& report) {
  std::optional<CodeRecord> record = registry_.fetch(name);
  if (!record) return;  // deleted meanwhile: the next pass sees its tombstone
  try {
    Applying applying;
    if (record->python) {
      runtime_.upload_python(id, record->body, {record->entry, record->convention});
    } else {
      runtime_.upload_wasm(
          id, {reinterpret_cast<const unsigned char*>(record->body.data()), record->body.size()});
    }
    failed_.erase(name);
    ++report.installed;
  } catch (const state::StateUnavailable&) {
    throw;
  } catch (const std::exception& e) {
    // Recorded under the index's version, so it is tried again when that changes.
    failed_[name] = version;
    ++report.failed;
    spdlog::warn("cluster: cannot install {} here: {}", name, e.what());
  }
}

}  // namespace wasmlet::cluster
