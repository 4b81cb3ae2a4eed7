#pragma once
// Keeps a host's functions in line with the cluster's: what is uploaded or deleted here is
// published to Redis (runtime::FunctionObserver), and sync() installs what peers uploaded,
// removes what they deleted, and publishes what only this host holds (uploaded before it
// joined, or while Redis was away).
#include <cstddef>
#include <map>
#include <set>
#include <string>

#include "cluster/code_registry.h"
#include "runtime/runtime.h"
#include "util/mutex.h"

namespace wasmlet::cluster {

struct SyncReport {
  size_t installed = 0, removed = 0, published = 0, failed = 0;
};

class CodeSync final : public runtime::FunctionObserver {
 public:
  CodeSync(runtime::Runtime& runtime, CodeRegistry& registry)
      : runtime_(runtime), registry_(registry) {}

  // Publish at once; when Redis cannot be reached, the change is kept and sent by the next
  // sync(): the upload itself has succeeded on this host.
  void uploaded(const runtime::FunctionInfo& info, std::string_view body,
                const runtime::PythonUpload* python) noexcept override;
  void removed(const runtime::FunctionId& id) noexcept override;

  // One pass over the cluster's index. Throws state::StateUnavailable when Redis is away.
  SyncReport sync();

 private:
  void install(const runtime::FunctionId& id, const std::string& name, const std::string& version,
               SyncReport& report);
  void flush_pending();

  runtime::Runtime& runtime_;
  CodeRegistry& registry_;
  util::Mutex mutex_;
  // Changes made here that Redis has not taken yet (bounded: see kMaxPending).
  std::map<std::string, CodeRecord> pending_publish_ GUARDED_BY(mutex_);
  std::set<std::string> pending_retract_ GUARDED_BY(mutex_);
  // Versions that failed to install here (e.g. a Python function on a host without Python):
  // not retried until the version changes. Only sync()'s thread touches it.
  std::map<std::string, std::string> failed_;
};

}  // namespace wasmlet::cluster
