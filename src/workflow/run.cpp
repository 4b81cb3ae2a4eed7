#include "workflow/run.h"

#include <fmt/format.h>

#include <atomic>
#include <cctype>
#include <cmath>
#include <map>
#include <optional>
#include <utility>

#include "util/mutex.h"
#include "workflow/timestamp.h"

namespace wasmlet::workflow {

TaskError task_error(const runtime::CallRecord& record) {
  if (record.error_kind == "timeout") return {"States.Timeout", record.error_message};
  if (record.error_kind == "exception") {
    // A Python traceback's last line names the exception: "ValueError: bad input".
    std::string_view text = record.error_message;
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back())) != 0) {
      text.remove_suffix(1);
    }
    std::string_view line =
        text.substr(text.rfind('\n') == std::string_view::npos ? 0 : text.rfind('\n') + 1);
    std::string_view name = line.substr(0, line.find(':'));
    bool identifier = !name.empty() && std::isdigit(static_cast<unsigned char>(name[0])) == 0;
    for (char c : name) {
      identifier = identifier && (std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_');
    }
    if (identifier) return {std::string(name), std::string(line)};
    return {"States.TaskFailed", record.error_message};
  }
  if (!record.error_message.empty()) return {"States.TaskFailed", record.error_message};
  return {"States.TaskFailed", fmt::format("returned {}", record.return_code)};
}

namespace {

using Clock = std::chrono::steady_clock;
using runtime::CallNode;

// The longest retry interval, as long as a definition may name (about three years).
constexpr double kMaxRetryDelayNs = 99999999e9;

struct Failure {
  std::string error, cause;
  std::string state;  // where it was raised (qualified); filled by the state that raises it
};

// A step's data: JSON text as the step that made it gave it, parsed on first need.
class Value {
 public:
  static Value text(std::string t) {
    Value v;
    v.text_ = std::move(t);
    return v;
  }
  static Value doc(Json d) {
    Value v;
    v.doc_ = std::move(d);
    return v;
  }
  // Empty text (a call with no output) is null. Throws DataError.
  const Json& json() {
    if (!doc_) doc_ = text_->empty() ? Json(nullptr) : parse_json(*text_);
    return *doc_;
  }
  Json take_json() {
    json();
    return std::move(*doc_);
  }
  std::string bytes() && {
    if (text_) return std::move(*text_);
    return dump_json(*doc_);
  }

 private:
  std::optional<std::string> text_;
  std::optional<Json> doc_;
};

struct Outcome {
  std::optional<Failure> failure;
  Value value;
};

// The calls and nested scopes of a Parallel's branches or a Map's iterations, cancelled
// together when one of them fails (the others' results no longer matter).
class Scope {
 public:
  explicit Scope(std::shared_ptr<Scope> parent) : parent_(std::move(parent)) {}

  bool cancelled() const {
    for (const Scope* s = this; s != nullptr; s = s->parent_.get()) {
      if (s->cancelled_.load(std::memory_order_acquire)) return true;
    }
    return false;
  }

  // A run's top scope is never cancelled (the run's own cancellation reaches its Tasks through
  // the call tree), so only a fan-out's scope keeps its calls: a sequence's steps skip a lock
  // and a map node each.
  void add(const std::shared_ptr<CallNode>& node) {
    if (parent_ == nullptr) return;
    {
      util::MutexLock lock(mutex_);
      if (!cancelled_) {
        tasks_[node.get()] = node;
        return;
      }
    }
    node->cancel("a sibling branch of the workflow failed");
  }

  void remove(const CallNode* node) {
    if (parent_ == nullptr) return;
    util::MutexLock lock(mutex_);
    tasks_.erase(node);
  }

  std::shared_ptr<Scope> child(const std::shared_ptr<Scope>& self) {
    auto scope = std::make_shared<Scope>(self);
    util::MutexLock lock(mutex_);
    std::erase_if(children_, [](const auto& c) { return c.expired(); });
    children_.push_back(scope);
    return scope;
  }

  // Nesting is bounded by the definition's, so the recursion is too.
  void cancel(const std::string& reason) {
    std::vector<std::weak_ptr<CallNode>> tasks;
    std::vector<std::weak_ptr<Scope>> children;
    {
      util::MutexLock lock(mutex_);
      cancelled_ = true;
      for (auto& [ptr, node] : tasks_) tasks.push_back(node);
      tasks_.clear();
      children.swap(children_);
    }
    for (auto& t : tasks) {
      if (auto node = t.lock()) node->cancel(reason);
    }
    for (auto& c : children) {
      if (auto scope = c.lock()) scope->cancel(reason);
    }
  }

 private:
  const std::shared_ptr<Scope> parent_;
  std::atomic<bool> cancelled_{false};
  util::Mutex mutex_;
  std::map<const CallNode*, std::weak_ptr<CallNode>> tasks_ GUARDED_BY(mutex_);
  std::vector<std::weak_ptr<Scope>> children_ GUARDED_BY(mutex_);
};

class Run;

// One state machine being run: the top level, a Parallel's branch or a Map's iteration.
struct Flow {
  std::shared_ptr<Run> run;
  const StateMachine* machine = nullptr;
  std::string path;  // in the history: "" at the top, "Par/3", "Par/3/Loop/0"
  std::shared_ptr<Scope> scope;
  std::function<void(Outcome)> on_end;
};

// One state entered.
struct Step {
  std::shared_ptr<Flow> flow;
  const State* state = nullptr;
  Value input;  // the raw input, kept while ResultPath, Retry or Catch may need it
  size_t history = 0;
  Timestamp entered_wall;
  std::vector<uint32_t> attempts;  // per retrier
  uint32_t retries = 0;
  std::string task_input;  // a Task's input, kept for its retries
};

using Continue = std::optional<std::pair<const State*, Value>>;

std::string_view type_name(StateType type) {
  switch (type) {
    case StateType::Task:
      return "Task";
    case StateType::Parallel:
      return "Parallel";
    case StateType::Map:
      return "Map";
    case StateType::Choice:
      return "Choice";
    case StateType::Pass:
      return "Pass";
    case StateType::Wait:
      return "Wait";
    case StateType::Succeed:
      return "Succeed";
    case StateType::Fail:
      return "Fail";
  }
  return "";
}

// One state entered, as the history shows it. Kept as plain fields while the run goes on (a
// step's bookkeeping sits between two steps' calls) and turned into JSON once, at the end.
struct HistoryEntry {
  const State* state = nullptr;
  std::string path;
  int64_t entered_ns = 0;
  std::optional<int64_t> exited_ns;
  // A Task's, set once it has an input and for each attempt's call.
  std::optional<size_t> input_bytes;
  std::optional<uint64_t> call_id;
  int64_t start_ns = 0, end_ns = 0;
  size_t output_bytes = 0;
  std::optional<uint32_t> retries;  // also set by a Retry of a state that is no Task
  std::optional<std::string> error, cause;

  Json json() const {
    Json e = {{"state", state->name},
              {"type", type_name(state->type)},
              {"path", path},
              {"entered_ns", entered_ns}};
    if (exited_ns) e["exited_ns"] = *exited_ns;
    if (input_bytes) e["input_bytes"] = *input_bytes;
    if (call_id) {
      e["call_id"] = *call_id;
      e["start_ns"] = start_ns;
      e["end_ns"] = end_ns;
      e["output_bytes"] = output_bytes;
    }
    if (retries) e["retries"] = *retries;
    if (error) e["error"] = *error;
    if (cause) e["cause"] = *cause;
    return e;
  }
};

class Run : public std::enable_shared_from_this<Run> {
 public:
  Run(runtime::Runtime& rt, Timers& t, std::shared_ptr<const Definition> def, RunRequest req,
      runtime::Completion done)
      : runtime(rt),
        timers(t),
        definition(std::move(def)),
        request(std::move(req)),
        done_(std::move(done)) {
    // The smaller of the caller's limit (the call tree's) and the definition's TimeoutSeconds.
    auto limit = request.time_limit;
    if (definition->timeout && (limit.count() <= 0 || *definition->timeout < limit)) {
      limit = *definition->timeout;
    }
    if (limit.count() > 0) {
      time_limit = limit;
      deadline = started + limit;
    }
    // The tree's clock started before the run did (start_composite, or the chain's root), and
    // never moves: read once rather than under the tree's lock at every step.
    if (auto tree = request.node->deadline(); tree && (!deadline || *tree < *deadline)) {
      end_ = tree;
    } else {
      end_ = deadline;
    }
  }

  runtime::Runtime& runtime;
  Timers& timers;
  const std::shared_ptr<const Definition> definition;
  const RunRequest request;
  const Clock::time_point started = Clock::now();
  std::optional<std::chrono::nanoseconds> time_limit;
  std::optional<Clock::time_point> deadline;

  bool over() const { return finished_.load(std::memory_order_acquire); }
  int64_t ns(Clock::time_point t) const { return (t - started).count(); }

  // Time left before the run's or its call tree's deadline; nullopt: no limit.
  std::optional<std::chrono::nanoseconds> time_left() const {
    if (!end_) return std::nullopt;
    return *end_ - Clock::now();
  }

  // A Wait's or Retry's delay, cut to end just after the run's deadline: the time limit fails
  // the run first, and a timer never holds a finished run's memory for longer than that.
  std::chrono::nanoseconds bounded_delay(std::chrono::nanoseconds delay) const {
    auto left = time_left();
    if (!left) return delay;
    return std::min(delay, *left + std::chrono::milliseconds(1));
  }

  // Records a state entered; false (and the run failed) past the run's limits.
  bool enter(Step& step) {
    const State& s = *step.state;
    if (request.node->cancelled()) {
      fail_cancelled(s.qualified);
      return false;
    }
    if (auto left = time_left(); left && left->count() <= 0) {
      fail_timeout(s.qualified);
      return false;
    }
    if (transitions_.fetch_add(1) >= RunLimits::kMaxTransitions) {
      fail({"Wasmlet.TransitionLimit",
            fmt::format("a run enters at most {} states", RunLimits::kMaxTransitions),
            s.qualified});
      return false;
    }
    step.entered_wall =
        std::chrono::time_point_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now());
    HistoryEntry entry;
    entry.state = &s;
    entry.path = step.flow->path;
    entry.entered_ns = ns(Clock::now());
    util::MutexLock lock(mutex_);
    last_state_ = &s.qualified;
    step.history = history_.size();
    if (history_.size() < RunLimits::kMaxHistory) {
      history_.push_back(std::move(entry));
    } else {
      ++truncated_;
    }
    return true;
  }

  template <typename Change>
  void update(const Step& step, const Change& change) {
    util::MutexLock lock(mutex_);
    if (step.history < history_.size()) change(history_[step.history]);
  }

  // The run's input, parsed once, for $$.Execution.Input.
  Json execution_input() {
    util::MutexLock lock(mutex_);
    if (!input_) input_ = request.input.empty() ? Json::object() : parse_json(request.input);
    return *input_;
  }

  void fail(Failure failure) { finish({std::move(failure), Value::text("")}); }

  void fail_timeout(const std::string& state) {
    std::string cause = time_limit ? fmt::format("the run's time limit of {} ms passed",
                                                 time_limit->count() / 1000000)
                                   : "the call tree's time limit passed";
    request.node->cancel_descendants("the workflow run timed out");
    fail({"States.Timeout", std::move(cause), state});
  }

  void fail_cancelled(const std::string& state) {
    fail({"Wasmlet.Cancelled", request.node->cancel_reason(), state});
  }

  void fail_timeout_now() {
    std::string state;
    {
      util::MutexLock lock(mutex_);
      if (last_state_ != nullptr) state = *last_state_;
    }
    fail_timeout(state);
  }

  void finish(Outcome outcome) {
    runtime::Completion done;
    runtime::CallRecord record;
    {
      util::MutexLock lock(mutex_);
      if (finished_) return;
      finished_ = true;
      done = std::move(done_);
      Json history = Json::array();
      for (const auto& entry : history_) history.push_back(entry.json());
      if (truncated_ > 0) history.push_back({{"truncated", truncated_}});
      record.history = dump_json(history);
      history_.clear();
    }
    if (outcome.failure) {
      record.status = runtime::CallStatus::Failed;
      record.error_kind = std::move(outcome.failure->error);
      const auto& state = outcome.failure->state;
      // A Fail state may give no Cause: its Error says what happened then.
      std::string cause =
          outcome.failure->cause.empty() ? record.error_kind : std::move(outcome.failure->cause);
      record.error_message =
          state.empty() ? std::move(cause) : fmt::format("state '{}': {}", state, cause);
    } else {
      record.status = runtime::CallStatus::Succeeded;
      record.output = std::move(outcome.value).bytes();
    }
    record.function = request.workflow;
    record.id = request.call_id;
    done(std::move(record));
  }

 private:
  std::optional<Clock::time_point> end_;  // the earlier of deadline and the call tree's
  std::atomic<bool> finished_{false};
  std::atomic<size_t> transitions_{0};
  util::Mutex mutex_;
  runtime::Completion done_ GUARDED_BY(mutex_);
  std::vector<HistoryEntry> history_ GUARDED_BY(mutex_);
  size_t truncated_ GUARDED_BY(mutex_) = 0;
  const std::string* last_state_ GUARDED_BY(mutex_) = nullptr;  // a State's, in the definition
  std::optional<Json> input_ GUARDED_BY(mutex_);
};

bool stopped(const Flow& flow) { return flow.run->over() || flow.scope->cancelled(); }

void advance(const std::shared_ptr<Flow>& flow, const State* state, Value input);
Continue enter(const std::shared_ptr<Flow>& flow, const State& state, Value input);
Continue fail_state(const std::shared_ptr<Step>& step, Failure failure);

// Continues a flow from a completion or a timer.
void resume(const std::shared_ptr<Flow>& flow, Continue next) {
  if (next) advance(flow, next->first, std::move(next->second));
}

// Runs a flow's states one after another while they finish at once (Pass, Choice, paths), in
// a loop: a long chain of them must not grow the stack.
void advance(const std::shared_ptr<Flow>& flow, const State* state, Value input) {
  while (!stopped(*flow)) {
    auto next = enter(flow, *state, std::move(input));
    if (!next) return;
    state = next->first;
    input = std::move(next->second);
  }
}

Json context(const Step& step, const Json* item, size_t index) {
  const Run& run = *step.flow->run;
  Json ctx = {
      {"Execution",
       {{"Id", std::to_string(run.request.call_id)},
        {"Input", step.flow->run->execution_input()},
        {"Name", run.request.workflow.name}}},
      {"State",
       {{"Name", step.state->name},
        {"EnteredTime", format_timestamp(step.entered_wall)},
        {"RetryCount", step.retries}}},
      {"StateMachine", {{"Id", run.request.workflow.str()}, {"Name", run.request.workflow.name}}}};
  if (item != nullptr) ctx["Map"] = {{"Item", {{"Index", index}, {"Value", *item}}}};
  return ctx;
}

Json apply(const PayloadTemplate& t, const Json& input, const Step& step,
           const Json* item = nullptr, size_t index = 0) {
  if (!t.uses_context()) return t.apply(input, nullptr);
  Json ctx = context(step, item, index);
  return t.apply(input, &ctx);
}

bool keeps_input(const State& s) {
  return !(s.result_path && s.result_path->is_root()) || !s.retry.empty() || !s.catches.empty();
}

// InputPath, then Parameters (a Map's apply per item). Throws DataError.
Value effective_input(Step& step) {
  const State& s = *step.state;
  bool templated = s.parameters && s.type != StateType::Map;
  if (s.input_path && s.input_path->is_root() && !templated) {
    return keeps_input(s) ? step.input : std::move(step.input);
  }
  Json in = Json::object();
  if (s.input_path) {
    auto selected = s.input_path->select(step.input.json());
    if (!selected) {
      throw DataError(fmt::format("InputPath '{}' selects nothing", s.input_path->text()));
    }
    in = std::move(*selected);
  }
  if (templated) in = apply(*s.parameters, in, step);
  return Value::doc(std::move(in));
}

Value output_path(const State& s, Value value) {
  if (!s.output_path) return Value::doc(Json::object());
  if (s.output_path->is_root()) return value;
  auto selected = s.output_path->select(value.json());
  if (!selected) {
    throw DataError(fmt::format("OutputPath '{}' selects nothing", s.output_path->text()));
  }
  return Value::doc(std::move(*selected));
}

// The raw input as JSON: moved out, unless a retry or a catcher may still need it.
Json raw_input(Step& step) {
  const State& s = *step.state;
  if (s.retry.empty() && s.catches.empty()) return step.input.take_json();
  return step.input.json();
}

void mark_exit(Step& step) {
  auto now = step.flow->run->ns(Clock::now());
  step.flow->run->update(step, [now](HistoryEntry& e) { e.exited_ns = now; });
}

Continue go(Step& step, const std::string& next, Value output) {
  mark_exit(step);
  if (next.empty()) {
    step.flow->on_end({std::nullopt, std::move(output)});
    return std::nullopt;
  }
  return std::pair{&step.flow->machine->state(next), std::move(output)};
}

// ResultSelector, ResultPath and OutputPath on a state's result, then on to the next state.
Continue complete(const std::shared_ptr<Step>& step, Value result) {
  const State& s = *step->state;
  try {
    if (!s.result_selector && s.result_path && s.result_path->is_root() && s.output_path &&
        s.output_path->is_root()) {
      return go(*step, s.next, std::move(result));
    }
    Json r =
        s.result_selector ? apply(*s.result_selector, result.json(), *step) : result.take_json();
    Json out;
    if (!s.result_path) {
      out = raw_input(*step);
    } else if (s.result_path->is_root()) {
      out = std::move(r);
    } else {
      out = raw_input(*step);
      try {
        s.result_path->assign(out, std::move(r));
      } catch (const DataError& e) {
        return fail_state(step, {"States.ResultPathMatchFailure", e.what(), ""});
      }
      // The input with the result inside: a Pass whose result is its input doubles it.
      if (json_size_at_most(out, kMaxValueBytes) > kMaxValueBytes) {
        throw DataError(
            fmt::format("the state's output (its input with the result at '{}') "
                        "comes to more than {} bytes",
                        s.result_path->text(), kMaxValueBytes));
      }
    }
    return go(*step, s.next, output_path(s, Value::doc(std::move(out))));
  } catch (const DataError& e) {
    return fail_state(step, {"States.Runtime", e.what(), ""});
  }
}

bool error_matches(const std::vector<std::string>& names, const std::string& error, bool task) {
  for (const auto& n : names) {
    if (n == "States.ALL" || n == error ||
        (n == "States.TaskFailed" && task && error != "States.Timeout")) {
      return true;
    }
  }
  return false;
}

void retry(const std::shared_ptr<Step>& step);

// Retry, then Catch, else the flow fails.
Continue fail_state(const std::shared_ptr<Step>& step, Failure failure) {
  const State& s = *step->state;
  Run& run = *step->flow->run;
  bool task = s.type == StateType::Task;
  for (size_t i = 0; i < s.retry.size(); ++i) {
    const Retrier& r = s.retry[i];
    if (!error_matches(r.errors, failure.error, task)) continue;
    if (step->attempts[i] >= r.max_attempts) break;
    // In double, capped before converting: the backoff can grow past what 64 bits hold.
    double ns = static_cast<double>(r.interval.count()) *
                std::pow(r.backoff_rate, static_cast<double>(step->attempts[i]));
    double cap = r.max_delay ? static_cast<double>(r.max_delay->count()) : kMaxRetryDelayNs;
    auto delay = std::chrono::nanoseconds(static_cast<int64_t>(std::min(ns, cap)));
    ++step->attempts[i];
    ++step->retries;
    run.update(*step, [&](HistoryEntry& e) {
      e.retries = step->retries;
      e.error = failure.error;
      e.cause = failure.cause;
    });
    run.timers.after(run.bounded_delay(delay), [step] { retry(step); });
    return std::nullopt;
  }
  run.update(*step, [&](HistoryEntry& e) {
    e.error = failure.error;
    e.cause = failure.cause;
  });
  for (const auto& c : s.catches) {
    if (!error_matches(c.errors, failure.error, task)) continue;
    Json error = {{"Error", failure.error}, {"Cause", failure.cause}};
    try {
      Json out;
      if (!c.result_path) {
        out = step->input.take_json();
      } else if (c.result_path->is_root()) {
        out = std::move(error);
      } else {
        out = step->input.take_json();
        c.result_path->assign(out, std::move(error));
      }
      return go(*step, c.next, Value::doc(std::move(out)));
    } catch (const DataError& e) {
      failure = {"States.ResultPathMatchFailure", e.what(), ""};
      break;
    }
  }
  mark_exit(*step);
  if (failure.state.empty()) failure.state = s.qualified;
  step->flow->on_end({std::move(failure), Value::text("")});
  return std::nullopt;
}

void task_done(const std::shared_ptr<Step>& step, Clock::time_point submitted, const CallNode* node,
               runtime::CallRecord record);

// Submits one attempt of a Task.
Continue submit_task(const std::shared_ptr<Step>& step, std::string input) {
  const State& s = *step->state;
  Run& run = *step->flow->run;
  auto timeout = s.timeout;
  if (auto left = run.time_left()) {
    if (left->count() <= 0) {
      run.fail_timeout(s.qualified);
      return std::nullopt;
    }
    if (!timeout || *left < *timeout) timeout = left;
  }
  std::shared_ptr<CallNode> node;
  Failure failure;
  try {
    node = run.request.node->start_child();
    step->flow->scope->add(node);
    runtime::Invocation invocation;
    invocation.function = {run.request.workflow.user, s.resource};
    invocation.input = std::move(input);
    invocation.node = node;
    invocation.tenant = run.request.tenant;
    invocation.timeout = timeout.value_or(std::chrono::nanoseconds(0));
    auto submitted = Clock::now();
    run.runtime.submit(std::move(invocation),
                       [step, submitted, raw = node.get()](runtime::CallRecord record) {
                         task_done(step, submitted, raw, std::move(record));
                       });
    return std::nullopt;
  } catch (const runtime::QueueFull& e) {
    failure = {"Wasmlet.QueueFull", e.what(), ""};
  } catch (const std::exception& e) {
    failure = {"States.TaskFailed", e.what(), ""};
  }
  if (node) step->flow->scope->remove(node.get());
  // start_child refuses the children of a cancelled call: that is the run's end, not the Task's.
  if (run.request.node->cancelled()) {
    run.fail_cancelled(s.qualified);
    return std::nullopt;
  }
  return fail_state(step, std::move(failure));
}

void task_done(const std::shared_ptr<Step>& step, Clock::time_point submitted, const CallNode* node,
               runtime::CallRecord record) {
  Run& run = *step->flow->run;
  try {
    step->flow->scope->remove(node);
    auto start = run.ns(submitted) + record.queue_time.count();
    run.update(*step, [&](HistoryEntry& e) {
      e.call_id = record.id;
      e.start_ns = start;
      e.end_ns = start + record.run_time.count();
      e.output_bytes = record.output.size();
      e.retries = step->retries;
    });
    if (stopped(*step->flow)) return;
    const State& s = *step->state;
    if (run.request.node->cancelled()) return run.fail_cancelled(s.qualified);
    if (record.status == runtime::CallStatus::Succeeded) {
      return resume(step->flow, complete(step, Value::text(std::move(record.output))));
    }
    // A Task cut short by the run's own limit: the run is out of time.
    if (auto left = run.time_left(); left && left->count() <= 0) {
      return run.fail_timeout(s.qualified);
    }
    auto error = task_error(record);
    resume(step->flow, fail_state(step, {std::move(error.error), std::move(error.cause), ""}));
  } catch (const std::exception& e) {
    run.fail({"Wasmlet.Internal", e.what(), step->state->qualified});
  }
}

Continue run_task(const std::shared_ptr<Step>& step) {
  std::string input = std::move(effective_input(*step)).bytes();
  step->flow->run->update(*step, [&](HistoryEntry& e) { e.input_bytes = input.size(); });
  if (!step->state->retry.empty()) step->task_input = input;
  return submit_task(step, std::move(input));
}

// A Parallel's branches or a Map's iterations, all in flight at once (a Map's up to
// MaxConcurrency). The one that finishes the set (or fails it) continues the parent flow; a
// set finished while it is being launched is handed back to the launcher's loop instead, so
// branches that finish at once cannot nest the parent's continuation on the stack.
class FanOut : public std::enable_shared_from_this<FanOut> {
 public:
  FanOut(std::shared_ptr<Step> step, size_t count, Value input, Json items)
      : step_(std::move(step)),
        count_(count),
        limit_(in_flight_limit(*step_)),
        input_(std::move(input)),
        items_(std::move(items)),
        scope_(step_->flow->scope->child(step_->flow->scope)),
        outputs_(count) {}

  // Branches in flight at once: a Map's MaxConcurrency, and for every fan-out at most half the
  // tenant's queue, so that one wider than the queue waits for its own branches instead of
  // having them refused (QueueFull).
  static size_t in_flight_limit(const Step& step) {
    size_t cap = std::max<size_t>(1, step.flow->run->runtime.config().queue.per_tenant / 2);
    size_t asked = step.state->type == StateType::Map ? step.state->max_concurrency : 0;
    return asked == 0 ? cap : std::min(asked, cap);
  }

  // Launches what may start; what it returns continues the parent flow.
  Continue pump() {
    util::UniqueLock lock(mutex_);
    if (pumping_) return std::nullopt;
    pumping_ = true;
    for (;;) {
      if (over_) {
        pumping_ = false;
        auto result = std::exchange(result_, std::nullopt);
        lock.unlock();
        return result ? conclude(std::move(*result)) : std::nullopt;
      }
      if (next_ < count_ && running_ < limit_) {
        size_t i = next_++;
        ++running_;
        lock.unlock();
        launch(i);
        lock.lock();
        continue;
      }
      pumping_ = false;
      return std::nullopt;
    }
  }

 private:
  void launch(size_t i) {
    const State& s = *step_->state;
    auto flow = std::make_shared<Flow>();
    flow->run = step_->flow->run;
    flow->machine = &s.branches[s.type == StateType::Map ? 0 : i];
    flow->path = fmt::format("{}{}{}/{}", step_->flow->path, step_->flow->path.empty() ? "" : "/",
                             s.name, i);
    flow->scope = scope_;
    flow->on_end = [self = shared_from_this(), i](Outcome o) { self->item_done(i, std::move(o)); };
    Value input;
    try {
      if (s.type == StateType::Parallel) {
        input = input_;
      } else if (s.parameters) {
        input = Value::doc(apply(*s.parameters, input_.json(), *step_, &items_[i], i));
      } else {
        input = Value::doc(items_[i]);
      }
    } catch (const DataError& e) {
      return flow->on_end({Failure{"States.Runtime", e.what(), s.qualified}, Value::text("")});
    }
    advance(flow, &flow->machine->start(), std::move(input));
  }

  void item_done(size_t i, Outcome outcome) {
    std::optional<Outcome> result;
    bool more = false;
    {
      util::MutexLock lock(mutex_);
      if (over_) return;
      --running_;
      ++finished_;
      if (outcome.failure) {
        over_ = true;
        result_ = std::move(outcome);
      } else {
        outputs_[i] = std::move(outcome.value).bytes();
        bytes_ += outputs_[i].size() + 1;
        if (bytes_ > RunLimits::kMaxResultBytes) {
          over_ = true;
          result_ = Outcome{
              Failure{"Wasmlet.ResultTooLarge",
                      fmt::format("the results exceed {} bytes", RunLimits::kMaxResultBytes),
                      step_->state->qualified},
              Value::text("")};
        } else if (finished_ == count_) {
          over_ = true;
          result_ = Outcome{std::nullopt, Value::text(aggregate())};
        }
      }
      if (pumping_) return;  // the pumping thread picks the result up
      if (over_) {
        result = std::exchange(result_, std::nullopt);
      } else {
        more = next_ < count_;
      }
    }
    if (result) return resume(step_->flow, conclude(std::move(*result)));
    if (more) resume(step_->flow, pump());
  }

  std::string aggregate() REQUIRES(mutex_) {
    std::string out = "[";
    for (size_t i = 0; i < outputs_.size(); ++i) {
      if (i > 0) out += ',';
      out += outputs_[i].empty() ? "null" : outputs_[i];
    }
    out += ']';
    outputs_.clear();
    return out;
  }

  Continue conclude(Outcome outcome) {
    if (outcome.failure) {
      scope_->cancel("another branch of the workflow failed");
      return fail_state(step_, std::move(*outcome.failure));
    }
    return complete(step_, std::move(outcome.value));
  }

  const std::shared_ptr<Step> step_;
  const size_t count_, limit_;
  Value input_;  // a Parallel's branches' input; a Map's effective input (for ItemSelector)
  Json items_;   // a Map's items
  const std::shared_ptr<Scope> scope_;
  util::Mutex mutex_;
  bool pumping_ GUARDED_BY(mutex_) = false;
  bool over_ GUARDED_BY(mutex_) = false;
  std::optional<Outcome> result_ GUARDED_BY(mutex_);
  size_t next_ GUARDED_BY(mutex_) = 0;
  size_t running_ GUARDED_BY(mutex_) = 0;
  size_t finished_ GUARDED_BY(mutex_) = 0;
  size_t bytes_ GUARDED_BY(mutex_) = 0;
  std::vector<std::string> outputs_ GUARDED_BY(mutex_);
};

Continue run_fan_out(const std::shared_ptr<Step>& step) {
  const State& s = *step->state;
  Value input = effective_input(*step);
  if (s.type == StateType::Parallel) {
    return std::make_shared<FanOut>(step, s.branches.size(), std::move(input), Json())->pump();
  }
  auto items = s.items_path->select(input.json());
  if (!items || !items->is_array()) {
    throw DataError(fmt::format("ItemsPath '{}' is not an array", s.items_path->text()));
  }
  if (items->empty()) return complete(step, Value::text("[]"));
  size_t count = items->size();
  return std::make_shared<FanOut>(step, count, std::move(input), std::move(*items))->pump();
}

void retry(const std::shared_ptr<Step>& step) {
  if (stopped(*step->flow)) return;
  try {
    if (step->state->type == StateType::Task) {
      return resume(step->flow, submit_task(step, step->task_input));
    }
    resume(step->flow, run_fan_out(step));
  } catch (const DataError& e) {
    resume(step->flow, fail_state(step, {"States.Runtime", e.what(), ""}));
  } catch (const std::exception& e) {
    step->flow->run->fail({"Wasmlet.Internal", e.what(), step->state->qualified});
  }
}

std::chrono::nanoseconds wait_delay(const State& s, Value& input) {
  if (s.wait_seconds) return *s.wait_seconds;
  std::optional<Timestamp> until = s.wait_timestamp;
  if (s.wait_seconds_path) {
    auto v = s.wait_seconds_path->select(input.json());
    if (!v || !v->is_number() || v->get<double>() < 0 || v->get<double>() > 99999999) {
      throw DataError(fmt::format("SecondsPath '{}' is not a non-negative number of seconds",
                                  s.wait_seconds_path->text()));
    }
    return std::chrono::nanoseconds(static_cast<int64_t>(v->get<double>() * 1e9));
  }
  if (s.wait_timestamp_path) {
    auto v = s.wait_timestamp_path->select(input.json());
    if (v && v->is_string()) until = parse_timestamp(v->get_ref<const std::string&>());
    if (!until) {
      throw DataError(fmt::format("TimestampPath '{}' is not an RFC 3339 timestamp",
                                  s.wait_timestamp_path->text()));
    }
  }
  return *until - std::chrono::system_clock::now();
}

Continue run_wait(const std::shared_ptr<Step>& step) {
  Value input = effective_input(*step);
  auto delay = wait_delay(*step->state, input);
  auto output = std::make_shared<Value>(output_path(*step->state, std::move(input)));
  step->flow->run->timers.after(step->flow->run->bounded_delay(delay), [step, output] {
    if (stopped(*step->flow)) return;
    try {
      resume(step->flow, go(*step, step->state->next, std::move(*output)));
    } catch (const std::exception& e) {
      step->flow->run->fail({"Wasmlet.Internal", e.what(), step->state->qualified});
    }
  });
  return std::nullopt;
}

Continue run_choice(const std::shared_ptr<Step>& step) {
  const State& s = *step->state;
  Value input = effective_input(*step);
  const std::string* next = s.default_next.empty() ? nullptr : &s.default_next;
  for (const auto& rule : s.choices) {
    if (rule.matches(input.json())) {
      next = &rule.next();
      break;
    }
  }
  if (next == nullptr) return fail_state(step, {"States.NoChoiceMatched", "no rule matched", ""});
  return go(*step, *next, output_path(s, std::move(input)));
}

Continue enter(const std::shared_ptr<Flow>& flow, const State& state, Value input) {
  auto step = std::make_shared<Step>();
  step->flow = flow;
  step->state = &state;
  step->input = std::move(input);
  step->attempts.resize(state.retry.size());
  if (!flow->run->enter(*step)) return std::nullopt;
  try {
    switch (state.type) {
      case StateType::Task:
        return run_task(step);
      case StateType::Parallel:
      case StateType::Map:
        return run_fan_out(step);
      case StateType::Choice:
        return run_choice(step);
      case StateType::Wait:
        return run_wait(step);
      case StateType::Pass: {
        Value in = effective_input(*step);
        return complete(step, state.result ? Value::doc(*state.result) : std::move(in));
      }
      case StateType::Succeed:
        return go(*step, "", output_path(state, effective_input(*step)));
      case StateType::Fail:
        return fail_state(step,
                          {state.error.empty() ? "Wasmlet.Failed" : state.error, state.cause, ""});
    }
  } catch (const DataError& e) {
    return fail_state(step, {"States.Runtime", e.what(), ""});
  } catch (const std::exception& e) {
    flow->run->fail({"Wasmlet.Internal", e.what(), state.qualified});
  }
  return std::nullopt;
}

}  // namespace

void start_run(runtime::Runtime& runtime, Timers& timers,
               std::shared_ptr<const Definition> definition, RunRequest request,
               runtime::Completion done) {
  auto run = std::make_shared<Run>(runtime, timers, std::move(definition), std::move(request),
                                   std::move(done));
  if (run->time_limit) {
    timers.after(*run->time_limit, [weak = std::weak_ptr<Run>(run)] {
      if (auto r = weak.lock()) r->fail_timeout_now();
    });
  }
  auto flow = std::make_shared<Flow>();
  flow->run = run;
  flow->machine = &run->definition->machine;
  flow->scope = std::make_shared<Scope>(nullptr);
  flow->on_end = [run](Outcome o) { run->finish(std::move(o)); };
  std::string input = run->request.input.empty() ? "{}" : run->request.input;
  advance(flow, &flow->machine->start(), Value::text(std::move(input)));
}

}  // namespace wasmlet::workflow
