#pragma once
// Amazon States Language definitions: parsing and validation into an immutable Definition
// that runs share. Everything a definition may hold is bounded (size, states, nesting, names),
// and nothing recurses deeper than those bounds.
#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/error.h"
#include "workflow/choice.h"
#include "workflow/json_path.h"
#include "workflow/payload.h"

namespace wasmlet::workflow {

// An invalid definition (a client's fault). what() is "state 'NAME': PROBLEM", or just PROBLEM
// for the top level. Nested states are named by their path, e.g.
// "FetchData100.Branches[3].marketdata3" or "Loop.Iterator.Step".
class DefinitionError : public Error {
 public:
  DefinitionError(std::string state, std::string problem);
  const std::string& state() const { return state_; }
  const std::string& problem() const { return problem_; }

 private:
  std::string state_;
  std::string problem_;
};

struct DefinitionLimits {
  static constexpr size_t kMaxBytes = 1 << 20;
  static constexpr size_t kMaxStates = 10000;  // in all, at every depth
  static constexpr size_t kMaxNesting = 32;    // Parallel branches and Map iterators
  static constexpr size_t kMaxNameBytes = 128;
};

enum class StateType { Task, Parallel, Map, Choice, Pass, Wait, Succeed, Fail };

struct Retrier {
  std::vector<std::string> errors;
  std::chrono::nanoseconds interval = std::chrono::seconds(1);
  uint32_t max_attempts = 3;
  double backoff_rate = 2.0;
  std::optional<std::chrono::nanoseconds> max_delay;
};

struct Catcher {
  std::vector<std::string> errors;
  std::string next;
  std::optional<JsonPath> result_path = JsonPath();  // nullopt: null (the error is dropped)
};

struct StateMachine;

struct State {
  std::string name;
  std::string qualified;  // its path from the top, for messages ("Par.Branches[0].Step")
  StateType type = StateType::Pass;
  std::string next;  // empty: the state ends its machine (End, or a terminal type)

  // nullopt: the field was null ({} in, {} out, result dropped).
  std::optional<JsonPath> input_path = JsonPath();
  std::optional<JsonPath> output_path = JsonPath();
  std::optional<JsonPath> result_path = JsonPath();
  std::optional<PayloadTemplate> parameters;  // a Map's is per item (as ItemSelector)
  std::optional<PayloadTemplate> result_selector;
  // None of the fields above is set: a result goes on as the bytes it is, never parsed.
  bool passes_bytes = true;

  std::vector<Retrier> retry;
  std::vector<Catcher> catches;

  // Task
  std::string resource;
  std::optional<std::chrono::nanoseconds> timeout;
  // Pass
  std::optional<Json> result;
  // Choice
  std::vector<ChoiceRule> choices;
  std::string default_next;
  // Wait: exactly one of these
  std::optional<std::chrono::nanoseconds> wait_seconds;
  std::optional<JsonPath> wait_seconds_path;
  std::optional<std::chrono::sys_time<std::chrono::nanoseconds>> wait_timestamp;
  std::optional<JsonPath> wait_timestamp_path;
  // Fail
  std::string error, cause;
  // Parallel: its branches. Map: one machine, its iterator (ItemProcessor).
  std::vector<StateMachine> branches;
  std::optional<JsonPath> items_path = JsonPath();
  size_t max_concurrency = 0;  // 0: unbounded
};

struct StateMachine {
  std::string start_at;
  std::vector<State> states;
  std::map<std::string, size_t, std::less<>> index;  // name -> states[i]

  const State& start() const { return states[index.at(start_at)]; }
  // The state `name` names; it exists (validated).
  const State& state(std::string_view name) const { return states[index.find(name)->second]; }
};

struct Definition {
  StateMachine machine;
  std::optional<std::chrono::nanoseconds> timeout;  // TimeoutSeconds
  std::string comment;
  size_t state_count = 0;
};

// Parses and validates a States Language definition. function_exists(name) says whether a
// Task's Resource names an existing function of the workflow's user. Throws DefinitionError.
std::shared_ptr<const Definition> parse_definition(
    std::string_view json, const std::function<bool(const std::string&)>& function_exists);

// The distinct function names the definition's Tasks (at any depth) call, sorted.
std::vector<std::string> task_functions(const Definition& definition);

}  // namespace wasmlet::workflow
