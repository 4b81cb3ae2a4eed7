#pragma once
// Keeps one kind of object (functions, workflows) the same on every host: what is made or
// deleted here is published to the cluster's registry in Redis, and sync() installs what peers
// published, removes what they deleted, and publishes what only this host holds (made before it
// joined, or while Redis was away).
#include <cstddef>
#include <map>
#include <optional>
#include <set>
#include <string>

#include "cluster/code_registry.h"
#include "util/mutex.h"

namespace wasmlet::cluster {

// This host's copies of the objects, by name ("user/name"), as a Replicator sees them.
class LocalCatalog {
 public:
  virtual ~LocalCatalog() = default;
  // Name -> version of each object held here.
  virtual std::map<std::string, std::string> versions() = 0;
  // Makes `record` this host's copy; throws with the reason when it cannot.
  virtual void install(const std::string& name, const CodeRecord& record) = 0;
  virtual void remove(const std::string& name) = 0;
  // What to publish of an object only this host holds; nullopt when it cannot be rebuilt from
  // what the host keeps (the reason is logged once).
  virtual std::optional<CodeRecord> record_of(const std::string& name) = 0;
};

struct SyncReport {
  size_t installed = 0, removed = 0, published = 0, failed = 0;
};

class Replicator {
 public:
  // `what` names the objects in logs ("function", "workflow").
  Replicator(LocalCatalog& local, CodeRegistry& registry, std::string what)
      : local_(local), registry_(registry), what_(std::move(what)) {}

  // Called when an object was made or deleted here (by a client; the Replicator's own installs
  // are not reported back). Published at once; when Redis cannot be reached, kept and sent by
  // the next sync(): the change itself has succeeded on this host.
  void published(const std::string& name, CodeRecord record) noexcept;
  void retracted(const std::string& name) noexcept;

  // One pass over the registry's index. Throws state::StateUnavailable when Redis is away.
  SyncReport sync();

 private:
  void install(const std::string& name, const std::string& version, SyncReport& report);
  void flush_pending();

  LocalCatalog& local_;
  CodeRegistry& registry_;
  std::string what_;
  util::Mutex mutex_;
  // Changes made here that Redis has not taken yet (bounded: see kMaxPending).
  std::map<std::string, CodeRecord> pending_publish_ GUARDED_BY(mutex_);
  std::set<std::string> pending_retract_ GUARDED_BY(mutex_);
  // Versions that failed to install or publish here (e.g. a Python function on a host without
  // Python): not retried until the version changes. Only sync()'s thread touches it.
  std::map<std::string, std::string> failed_;
};

}  // namespace wasmlet::cluster
