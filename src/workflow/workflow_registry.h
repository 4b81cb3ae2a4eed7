#pragma once
// The workflows users have uploaded: their States Language definitions, kept one file per
// workflow in a directory so that they survive restarts, parsed once, and run as composite
// calls of the runtime (a workflow is invoked, chained and awaited like a function).
#include <atomic>
#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/composite.h"
#include "runtime/runtime.h"
#include "util/error.h"
#include "util/mutex.h"
#include "workflow/definition.h"
#include "workflow/timers.h"

namespace wasmlet::workflow {

// A workflow may not take the name of a function of the same user, nor a function a workflow's:
// a chained call by name must mean one thing.
class NameTaken : public Error {
 public:
  using Error::Error;
};

// Bounds on what one tenant may store.
struct RegistryLimits {
  size_t max_definition_bytes = size_t{1} << 20;
  size_t max_workflows_per_tenant = 1024;
};

class TooManyWorkflows : public Error {
 public:
  using Error::Error;
};

struct WorkflowInfo {
  runtime::FunctionId id;
  std::vector<std::string> functions;  // what its Tasks call
  size_t bytes = 0;                    // of the definition
  std::chrono::system_clock::time_point uploaded_at;
};

// Told of each definition stored or removed, once done, on the thread that did it, with no
// lock held (the cluster publishes them to its peers). Must not throw.
class DefinitionObserver {
 public:
  virtual ~DefinitionObserver() = default;
  virtual void stored(const runtime::FunctionId& id, std::string_view definition) noexcept = 0;
  virtual void removed(const runtime::FunctionId& id) noexcept = 0;
};

class WorkflowRegistry final : public runtime::CompositeRunner {
 public:
  // Loads the definitions stored in `dir` (created if missing; one that no longer parses is
  // logged and skipped) and becomes `runtime`'s composite runner. The runtime must outlive it,
  // and be shut down before it is destroyed.
  WorkflowRegistry(runtime::Runtime& runtime, std::filesystem::path dir,
                   RegistryLimits limits = {});
  WorkflowRegistry(const WorkflowRegistry&) = delete;
  WorkflowRegistry& operator=(const WorkflowRegistry&) = delete;
  ~WorkflowRegistry() override;

  // Validates (every Task's function must exist) and stores a definition, replacing an earlier
  // one of the same name. Throws DefinitionError, NameTaken or TooManyWorkflows; stores nothing
  // then.
  WorkflowInfo put(const runtime::FunctionId& id, std::string_view definition);
  // The definition as uploaded.
  std::optional<std::string> definition(const runtime::FunctionId& id) const;
  std::optional<WorkflowInfo> info(const runtime::FunctionId& id) const;
  std::vector<WorkflowInfo> list() const;
  bool remove(const runtime::FunctionId& id);
  // Who is told of puts and removals. Set once, before any (or to null after the last); it must
  // outlive them.
  void set_observer(DefinitionObserver* observer) { observer_ = observer; }

  bool contains(const runtime::FunctionId& id) const override;
  void start(uint64_t call_id, runtime::Invocation invocation, runtime::Completion done) override;

 private:
  struct Entry {
    WorkflowInfo info;
    std::string text;
    std::shared_ptr<const Definition> definition;
  };
  std::filesystem::path file_of(const runtime::FunctionId& id) const;

  runtime::Runtime& runtime_;
  const std::filesystem::path dir_;
  const RegistryLimits limits_;
  std::atomic<DefinitionObserver*> observer_{nullptr};
  // Runs hold the timers: the last member, so that it is destroyed first (see the destructor).
  mutable util::Mutex mutex_;
  std::map<runtime::FunctionId, std::shared_ptr<const Entry>> entries_ GUARDED_BY(mutex_);
  Timers timers_;
};

}  // namespace wasmlet::workflow
