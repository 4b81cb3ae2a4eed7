#include "cluster/replicator.h"

#include <spdlog/spdlog.h>

#include "state/global_state.h"

namespace wasmlet::cluster {
namespace {

// Set while this host installs or removes what the cluster asked for, so the observers do not
// publish the change back (it would race a newer upload elsewhere).
thread_local bool t_applying = false;

class Applying {
 public:
  Applying() { t_applying = true; }
  ~Applying() { t_applying = false; }
  Applying(const Applying&) = delete;
  Applying& operator=(const Applying&) = delete;
};

// Changes waiting for Redis are a host's memory: a long outage keeps this many.
constexpr size_t kMaxPending = 256;

}  // namespace

void Replicator::published(const std::string& name, CodeRecord record) noexcept {
  if (t_applying) return;
  try {
    {
      util::MutexLock lock(mutex_);
      pending_retract_.erase(name);
      if (pending_publish_.size() >= kMaxPending && !pending_publish_.contains(name)) {
        spdlog::error("cluster: {} changes wait for Redis; {} {} is published by a later sync",
                      pending_publish_.size(), what_, name);
        return;
      }
      pending_publish_[name] = std::move(record);
    }
    flush_pending();
  } catch (const std::exception& e) {
    spdlog::warn("cluster: publishing {} {} later: {}", what_, name, e.what());
  }
}

void Replicator::retracted(const std::string& name) noexcept {
  if (t_applying) return;
  try {
    {
      util::MutexLock lock(mutex_);
      pending_publish_.erase(name);
      pending_retract_.insert(name);
    }
    flush_pending();
  } catch (const std::exception& e) {
    spdlog::warn("cluster: retracting {} {} later: {}", what_, name, e.what());
  }
}

void Replicator::flush_pending() {
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

SyncReport Replicator::sync() {
  flush_pending();
  SyncReport report;
  std::map<std::string, std::string> local = local_.versions();
  std::map<std::string, std::string> index = registry_.index();
  for (const auto& [name, version] : index) {
    auto here = local.find(name);
    if (version == kTombstone) {
      if (here == local.end()) continue;
      try {
        Applying applying;
        local_.remove(name);
        ++report.removed;
      } catch (const std::exception& e) {
        spdlog::warn("cluster: cannot remove {} {} here: {}", what_, name, e.what());
      }
      continue;
    }
    if (here != local.end() && here->second == version) continue;
    if (auto failed = failed_.find(name); failed != failed_.end() && failed->second == version) {
      continue;
    }
    install(name, version, report);
  }
  for (const auto& [name, version] : local) {
    if (index.contains(name)) continue;
    if (auto failed = failed_.find(name); failed != failed_.end() && failed->second == version) {
      continue;
    }
    std::optional<CodeRecord> record = local_.record_of(name);
    if (!record) {
      failed_[name] = version;
      continue;
    }
    registry_.publish(name, *record);
    ++report.published;
  }
  return report;
}

void Replicator::install(const std::string& name, const std::string& version, SyncReport& report) {
  std::optional<CodeRecord> record = registry_.fetch(name);
  if (!record) return;  // deleted meanwhile: the next pass sees its tombstone
  try {
    Applying applying;
    local_.install(name, *record);
    failed_.erase(name);
    ++report.installed;
  } catch (const state::StateUnavailable&) {
    throw;
  } catch (const std::exception& e) {
    // Recorded under the index's version, so it is tried again when that changes.
    failed_[name] = version;
    ++report.failed;
    spdlog::warn("cluster: cannot install {} {} here: {}", what_, name, e.what());
  }
}

}  // namespace wasmlet::cluster
