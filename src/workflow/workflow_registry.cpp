#include "workflow/workflow_registry.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "util/files.h"
#include "workflow/run.h"

namespace wasmlet::workflow {

namespace fs = std::filesystem;

namespace {

WorkflowInfo make_info(const runtime::FunctionId& id, const Definition& definition, size_t bytes,
                       std::chrono::system_clock::time_point uploaded_at) {
  return {id, task_functions(definition), bytes, uploaded_at};
}

}  // namespace

WorkflowRegistry::WorkflowRegistry(runtime::Runtime& runtime, fs::path dir, RegistryLimits limits)
    : runtime_(runtime), dir_(std::move(dir)), limits_(limits) {
  fs::create_directories(dir_);
  // Functions may have been deleted since: a Task naming one fails when it runs, not here.
  auto any_function = [](const std::string&) { return true; };
  util::MutexLock lock(mutex_);
  for (const auto& user_dir : fs::directory_iterator(dir_)) {
    if (!user_dir.is_directory()) continue;
    for (const auto& file : fs::directory_iterator(user_dir.path())) {
      if (file.path().extension() != ".json") continue;
      try {
        auto id = runtime::make_function_id(user_dir.path().filename().string(),
                                            file.path().stem().string());
        auto entry = std::make_shared<Entry>();
        entry->text = util::read_text_file(file.path());
        entry->definition = parse_definition(entry->text, any_function);
        // The file's age, carried over to the system clock (GCC 12 lacks clock_cast).
        auto age = fs::file_time_type::clock::now() - file.last_write_time();
        auto written = std::chrono::system_clock::now() -
                       std::chrono::duration_cast<std::chrono::system_clock::duration>(age);
        entry->info = make_info(id, *entry->definition, entry->text.size(), written);
        entries_[id] = std::move(entry);
      } catch (const std::exception& e) {
        spdlog::warn("workflow {} skipped: {}", file.path().string(), e.what());
      }
    }
  }
  runtime_.set_composite_runner(this);
}

WorkflowRegistry::~WorkflowRegistry() { runtime_.set_composite_runner(nullptr); }

fs::path WorkflowRegistry::file_of(const runtime::FunctionId& id) const {
  return dir_ / id.user / (id.name + ".json");
}

WorkflowInfo WorkflowRegistry::put(const runtime::FunctionId& id, std::string_view definition) {
  if (definition.size() > limits_.max_definition_bytes) {
    throw DefinitionError("", fmt::format("the definition is {} bytes; at most {} are accepted",
                                          definition.size(), limits_.max_definition_bytes));
  }
  if (runtime_.function(id)) {
    throw NameTaken(fmt::format("{} is a function: a workflow needs a name of its own", id.str()));
  }
  auto exists = [this, &id](const std::string& name) {
    return runtime::valid_name(name) && runtime_.function({id.user, name}).has_value();
  };
  auto entry = std::make_shared<Entry>();
  entry->text = std::string(definition);
  entry->definition = parse_definition(entry->text, exists);
  entry->info =
      make_info(id, *entry->definition, entry->text.size(), std::chrono::system_clock::now());
  util::UniqueLock lock(mutex_);
  if (!entries_.contains(id)) {
    size_t own = 0;
    for (const auto& [other, e] : entries_) own += other.user == id.user ? 1 : 0;
    if (own >= limits_.max_workflows_per_tenant) {
      throw TooManyWorkflows(
          fmt::format("{} has {} workflows, the most a tenant may keep", id.user, own));
    }
  }
  // Under the lock: two uploads of one name must not interleave their files and entries.
  fs::create_directories(dir_ / id.user);
  util::write_file_atomic(file_of(id), entry->text);
  WorkflowInfo info = entry->info;
  entries_[id] = entry;
  lock.unlock();
  if (DefinitionObserver* observer = observer_.load()) observer->stored(id, entry->text);
  return info;
}

std::optional<std::string> WorkflowRegistry::definition(const runtime::FunctionId& id) const {
  util::MutexLock lock(mutex_);
  auto it = entries_.find(id);
  if (it == entries_.end()) return std::nullopt;
  return it->second->text;
}

std::optional<WorkflowInfo> WorkflowRegistry::info(const runtime::FunctionId& id) const {
  util::MutexLock lock(mutex_);
  auto it = entries_.find(id);
  if (it == entries_.end()) return std::nullopt;
  return it->second->info;
}

std::vector<WorkflowInfo> WorkflowRegistry::list() const {
  util::MutexLock lock(mutex_);
  std::vector<WorkflowInfo> all;
  all.reserve(entries_.size());
  for (const auto& [id, entry] : entries_) all.push_back(entry->info);
  return all;
}

bool WorkflowRegistry::remove(const runtime::FunctionId& id) {
  {
    util::MutexLock lock(mutex_);
    if (entries_.erase(id) == 0) return false;
    fs::remove(file_of(id));
  }
  if (DefinitionObserver* observer = observer_.load()) observer->removed(id);
  return true;
}

bool WorkflowRegistry::contains(const runtime::FunctionId& id) const {
  util::MutexLock lock(mutex_);
  return entries_.contains(id);
}

void WorkflowRegistry::start(uint64_t call_id, runtime::Invocation invocation,
                             runtime::Completion done) {
  std::shared_ptr<const Entry> entry;
  {
    util::MutexLock lock(mutex_);
    auto it = entries_.find(invocation.function);
    if (it == entries_.end()) throw runtime::UnknownFunction(invocation.function);
    entry = it->second;
  }
  RunRequest request;
  request.workflow = std::move(invocation.function);
  request.call_id = call_id;
  request.input = std::move(invocation.input);
  request.node = std::move(invocation.node);
  request.tenant = std::move(invocation.tenant);
  // Within the call tree's wall time (the server's time limit) as well as the definition's.
  if (auto deadline = request.node->deadline()) {
    request.time_limit =
        std::max(std::chrono::nanoseconds(1), *deadline - std::chrono::steady_clock::now());
  }
  start_run(runtime_, timers_, entry->definition, std::move(request), std::move(done));
}

}  // namespace wasmlet::workflow
