#include "workflow/definition.h"

#include <fmt/format.h>

#include <deque>
#include <set>
#include <utility>

#include "runtime/function_id.h"
#include "workflow/timestamp.h"

namespace wasmlet::workflow {

DefinitionError::DefinitionError(std::string state, std::string problem)
    : Error(state.empty() ? problem : fmt::format("state '{}': {}", state, problem)),
      state_(std::move(state)),
      problem_(std::move(problem)) {}

namespace {

// The longest time a definition may name (States Language's own bound, about three years).
constexpr double kMaxSeconds = 99999999;
constexpr size_t kMaxAttempts = 1000;

struct TypeInfo {
  StateType type;
  std::set<std::string, std::less<>> fields;  // besides Type and Comment
};

const std::map<std::string, TypeInfo, std::less<>>& state_types() {
  static const std::map<std::string, TypeInfo, std::less<>> types = {
      {"Task",
       {StateType::Task,
        {"Next", "End", "InputPath", "OutputPath", "Parameters", "ResultSelector", "ResultPath",
         "Retry", "Catch", "Resource", "TimeoutSeconds"}}},
      {"Parallel",
       {StateType::Parallel,
        {"Next", "End", "InputPath", "OutputPath", "Parameters", "ResultSelector", "ResultPath",
         "Retry", "Catch", "Branches"}}},
      {"Map",
       {StateType::Map,
        {"Next", "End", "InputPath", "OutputPath", "Parameters", "ItemSelector", "ResultSelector",
         "ResultPath", "Retry", "Catch", "Iterator", "ItemProcessor", "ItemsPath",
         "MaxConcurrency"}}},
      {"Pass",
       {StateType::Pass,
        {"Next", "End", "InputPath", "OutputPath", "Parameters", "ResultPath", "Result"}}},
      {"Wait",
       {StateType::Wait,
        {"Next", "End", "InputPath", "OutputPath", "Seconds", "SecondsPath", "Timestamp",
         "TimestampPath"}}},
      {"Choice", {StateType::Choice, {"InputPath", "OutputPath", "Choices", "Default"}}},
      {"Succeed", {StateType::Succeed, {"InputPath", "OutputPath"}}},
      {"Fail", {StateType::Fail, {"Error", "Cause"}}},
  };
  return types;
}

bool terminal(StateType type) {
  return type == StateType::Choice || type == StateType::Succeed || type == StateType::Fail;
}

class Parser {
 public:
  explicit Parser(const std::function<bool(const std::string&)>& function_exists)
      : function_exists_(function_exists) {}

  // `where` names the machine in messages ("" at the top, else "Par.Branches[2]"); its states
  // are named `where` + "." + name.
  StateMachine machine(const Json& spec, const std::string& where, size_t depth) {
    if (depth > DefinitionLimits::kMaxNesting) {
      throw DefinitionError(
          where, fmt::format("states nest deeper than {} levels", DefinitionLimits::kMaxNesting));
    }
    if (!spec.is_object()) throw DefinitionError(where, "a state machine must be an object");
    if (depth > 0) {  // the top level's fields are checked by parse_definition
      for (const auto& [key, value] : spec.items()) {
        if (key != "StartAt" && key != "States" && key != "Comment" &&
            !(key == "ProcessorConfig" && where.ends_with(".ItemProcessor"))) {
          throw DefinitionError(where, fmt::format("unknown field '{}' in a state machine", key));
        }
      }
    }
    auto start = spec.find("StartAt");
    if (start == spec.end() || !start->is_string()) {
      throw DefinitionError(where, "StartAt must name a state");
    }
    auto states = spec.find("States");
    if (states == spec.end() || !states->is_object() || states->empty()) {
      throw DefinitionError(where, "States must be a non-empty object");
    }
    StateMachine m;
    m.start_at = start->get<std::string>();
    for (const auto& [name, state_spec] : states->items()) {
      std::string qualified = where.empty() ? name : fmt::format("{}.{}", where, name);
      if (name.empty() || name.size() > DefinitionLimits::kMaxNameBytes) {
        throw DefinitionError(qualified, fmt::format("a state name must be 1 to {} bytes",
                                                     DefinitionLimits::kMaxNameBytes));
      }
      if (++count_ > DefinitionLimits::kMaxStates) {
        throw DefinitionError(qualified, fmt::format("a definition has at most {} states",
                                                     DefinitionLimits::kMaxStates));
      }
      m.index.emplace(name, m.states.size());
      m.states.push_back(state(name, state_spec, qualified, depth));
    }
    if (!m.index.contains(m.start_at)) {
      throw DefinitionError(where, fmt::format("StartAt '{}' is not a state", m.start_at));
    }
    check_transitions(m);
    check_reachable(m);
    return m;
  }

  size_t count() const { return count_; }

 private:
  [[noreturn]] static void fail(const std::string& state, std::string problem) {
    throw DefinitionError(state, std::move(problem));
  }

  State state(const std::string& name, const Json& spec, const std::string& qualified,
              size_t depth) {
    if (!spec.is_object()) fail(qualified, "a state must be an object");
    auto type_field = spec.find("Type");
    if (type_field == spec.end() || !type_field->is_string()) fail(qualified, "Type is missing");
    auto info = state_types().find(type_field->get_ref<const std::string&>());
    if (info == state_types().end()) {
      fail(qualified, fmt::format("unknown state type '{}'", type_field->get<std::string>()));
    }
    State s;
    s.name = name;
    s.qualified = qualified;
    s.type = info->second.type;
    const std::string& type_name = info->first;
    for (const auto& [key, value] : spec.items()) {
      if (key == "Type" || key == "Comment" || info->second.fields.contains(key)) continue;
      if (terminal(s.type) && (key == "Next" || key == "End")) {
        fail(qualified, fmt::format("a {} state ends its machine: it has no {}", type_name, key));
      }
      fail(qualified, fmt::format("unknown field '{}' in a {} state", key, type_name));
    }
    try {
      transition(s, spec);
      common(s, spec);
      switch (s.type) {
        case StateType::Task:
          task(s, spec);
          break;
        case StateType::Parallel:
          parallel(s, spec, depth);
          break;
        case StateType::Map:
          map(s, spec, depth);
          break;
        case StateType::Choice:
          choice(s, spec);
          break;
        case StateType::Pass:
          if (auto r = spec.find("Result"); r != spec.end()) s.result = *r;
          break;
        case StateType::Wait:
          wait(s, spec);
          break;
        case StateType::Fail:
          s.error = optional_string(spec, "Error");
          s.cause = optional_string(spec, "Cause");
          break;
        case StateType::Succeed:
          break;
      }
    } catch (const FieldError& e) {
      fail(qualified, e.what());
    }
    s.passes_bytes = s.input_path && s.input_path->is_root() && s.output_path &&
                     s.output_path->is_root() && s.result_path && s.result_path->is_root() &&
                     !s.result_selector && (s.type == StateType::Map || !s.parameters);
    return s;
  }

  static std::string optional_string(const Json& spec, const char* field) {
    auto it = spec.find(field);
    if (it == spec.end()) return {};
    if (!it->is_string()) throw FieldError(fmt::format("{} must be a string", field));
    return it->get<std::string>();
  }

  static void transition(State& s, const Json& spec) {
    if (terminal(s.type)) return;
    auto next = spec.find("Next");
    auto end = spec.find("End");
    if (next != spec.end() && end != spec.end()) throw FieldError("it has both Next and End");
    if (next != spec.end()) {
      if (!next->is_string() || next->get_ref<const std::string&>().empty()) {
        throw FieldError("Next must name a state");
      }
      s.next = next->get<std::string>();
    } else if (end == spec.end() || *end != true) {
      throw FieldError("it needs Next or \"End\": true");
    }
  }

  // A path field: absent (`$`), null (nullopt) where `nullable`, or a path.
  static std::optional<JsonPath> path(const Json& spec, const char* field, bool nullable,
                                      bool reference) {
    auto it = spec.find(field);
    if (it == spec.end()) return JsonPath();
    if (it->is_null() && nullable) return std::nullopt;
    if (!it->is_string()) throw FieldError(fmt::format("{} must be a path (a string)", field));
    auto p = JsonPath::parse(it->get_ref<const std::string&>());
    if (reference && !p.is_reference()) {
      throw FieldError(
          fmt::format("{} '{}' must be a reference path (no wildcards)", field, p.text()));
    }
    return p;
  }

  static std::optional<PayloadTemplate> payload(const Json& spec, const char* field) {
    auto it = spec.find(field);
    if (it == spec.end()) return std::nullopt;
    try {
      return PayloadTemplate::parse(*it);
    } catch (const FieldError& e) {
      throw FieldError(fmt::format("{}: {}", field, e.what()));
    }
  }

  static void common(State& s, const Json& spec) {
    s.input_path = path(spec, "InputPath", true, false);
    s.output_path = path(spec, "OutputPath", true, false);
    s.result_path = path(spec, "ResultPath", true, true);
    s.parameters = payload(spec, "Parameters");
    s.result_selector = payload(spec, "ResultSelector");
    if (s.type == StateType::Task || s.type == StateType::Parallel || s.type == StateType::Map) {
      s.retry = retriers(spec);
      s.catches = catchers(spec);
    }
  }

  // A positive (or, with `zero_ok`, non-negative) number of seconds.
  static std::chrono::nanoseconds seconds(const Json& value, const std::string& field,
                                          bool zero_ok) {
    if (!value.is_number() || value.get<double>() < 0 || (!zero_ok && value.get<double>() == 0) ||
        value.get<double>() > kMaxSeconds) {
      throw FieldError(fmt::format("{} must be a {} number of seconds up to {}", field,
                                   zero_ok ? "non-negative" : "positive", kMaxSeconds));
    }
    return std::chrono::nanoseconds(static_cast<int64_t>(value.get<double>() * 1e9));
  }

  static size_t count_field(const Json& value, const std::string& field) {
    if (!value.is_number_integer() || value.get<int64_t>() < 0) {
      throw FieldError(fmt::format("{} must be a non-negative integer", field));
    }
    return value.get<size_t>();
  }

  static std::vector<std::string> error_names(const Json& spec, bool last) {
    auto it = spec.find("ErrorEquals");
    if (it == spec.end() || !it->is_array() || it->empty()) {
      throw FieldError("ErrorEquals must be a non-empty array of error names");
    }
    std::vector<std::string> names;
    for (const auto& e : *it) {
      if (!e.is_string()) throw FieldError("ErrorEquals must hold strings");
      names.push_back(e.get<std::string>());
    }
    for (const auto& n : names) {
      if (n == "States.ALL" && (names.size() != 1 || !last)) {
        throw FieldError("States.ALL must be alone in the last ErrorEquals");
      }
    }
    return names;
  }

  static std::vector<Retrier> retriers(const Json& spec) {
    std::vector<Retrier> out;
    auto it = spec.find("Retry");
    if (it == spec.end()) return out;
    if (!it->is_array()) throw FieldError("Retry must be an array");
    for (size_t i = 0; i < it->size(); ++i) {
      const Json& r = (*it)[i];
      if (!r.is_object()) throw FieldError("a retrier must be an object");
      Retrier retrier;
      retrier.errors = error_names(r, i + 1 == it->size());
      for (const auto& [key, value] : r.items()) {
        if (key == "ErrorEquals" || key == "Comment") continue;
        if (key == "IntervalSeconds") {
          retrier.interval = seconds(value, key, false);
        } else if (key == "MaxAttempts") {
          // Capped, so that a definition cannot retry a failing state without end.
          retrier.max_attempts =
              static_cast<uint32_t>(std::min<size_t>(count_field(value, key), kMaxAttempts));
        } else if (key == "BackoffRate") {
          if (!value.is_number() || value.get<double>() < 1.0 || value.get<double>() > 1000) {
            throw FieldError("BackoffRate must be a number from 1.0 to 1000");
          }
          retrier.backoff_rate = value.get<double>();
        } else if (key == "MaxDelaySeconds") {
          retrier.max_delay = seconds(value, key, false);
        } else {
          throw FieldError(fmt::format("unknown field '{}' in a retrier", key));
        }
      }
      out.push_back(std::move(retrier));
    }
    return out;
  }

  static std::vector<Catcher> catchers(const Json& spec) {
    std::vector<Catcher> out;
    auto it = spec.find("Catch");
    if (it == spec.end()) return out;
    if (!it->is_array()) throw FieldError("Catch must be an array");
    for (size_t i = 0; i < it->size(); ++i) {
      const Json& c = (*it)[i];
      if (!c.is_object()) throw FieldError("a catcher must be an object");
      Catcher catcher;
      catcher.errors = error_names(c, i + 1 == it->size());
      for (const auto& [key, value] : c.items()) {
        if (key != "ErrorEquals" && key != "Comment" && key != "Next" && key != "ResultPath") {
          throw FieldError(fmt::format("unknown field '{}' in a catcher", key));
        }
      }
      auto next = c.find("Next");
      if (next == c.end() || !next->is_string()) throw FieldError("a catcher needs Next");
      catcher.next = next->get<std::string>();
      catcher.result_path = path(c, "ResultPath", true, true);
      out.push_back(std::move(catcher));
    }
    return out;
  }

  void task(State& s, const Json& spec) {
    auto resource = spec.find("Resource");
    if (resource == spec.end() || !resource->is_string()) {
      throw FieldError("Resource must name a function");
    }
    s.resource = resource->get<std::string>();
    if (!runtime::valid_name(s.resource)) {
      throw FieldError(fmt::format(
          "Resource '{}' is not a function name (1-64 of A-Z a-z 0-9 _ . -)", s.resource));
    }
    if (!function_exists_(s.resource)) {
      throw FieldError(fmt::format("Resource '{}' is not a function of this user", s.resource));
    }
    if (auto t = spec.find("TimeoutSeconds"); t != spec.end()) {
      s.timeout = seconds(*t, "TimeoutSeconds", false);
    }
  }

  void parallel(State& s, const Json& spec, size_t depth) {
    auto branches = spec.find("Branches");
    if (branches == spec.end() || !branches->is_array() || branches->empty()) {
      throw FieldError("Branches must be a non-empty array");
    }
    for (size_t i = 0; i < branches->size(); ++i) {
      s.branches.push_back(
          machine((*branches)[i], fmt::format("{}.Branches[{}]", s.qualified, i), depth + 1));
    }
  }

  void map(State& s, const Json& spec, size_t depth) {
    auto iterator = spec.find("Iterator");
    auto processor = spec.find("ItemProcessor");
    if ((iterator == spec.end()) == (processor == spec.end())) {
      throw FieldError("a Map state needs one of Iterator and ItemProcessor");
    }
    bool is_iterator = iterator != spec.end();
    const Json& body = is_iterator ? *iterator : *processor;
    std::string where = s.qualified + (is_iterator ? ".Iterator" : ".ItemProcessor");
    s.branches.push_back(machine(body, where, depth + 1));
    s.items_path = path(spec, "ItemsPath", false, false);
    if (auto m = spec.find("MaxConcurrency"); m != spec.end()) {
      s.max_concurrency = count_field(*m, "MaxConcurrency");
    }
    if (spec.contains("ItemSelector")) {
      if (s.parameters) throw FieldError("a Map state has ItemSelector or Parameters, not both");
      s.parameters = payload(spec, "ItemSelector");
    }
  }

  static void choice(State& s, const Json& spec) {
    auto choices = spec.find("Choices");
    if (choices == spec.end() || !choices->is_array() || choices->empty()) {
      throw FieldError("Choices must be a non-empty array of rules");
    }
    for (size_t i = 0; i < choices->size(); ++i) {
      try {
        s.choices.push_back(ChoiceRule::parse((*choices)[i], true));
      } catch (const FieldError& e) {
        throw FieldError(fmt::format("Choices[{}]: {}", i, e.what()));
      }
    }
    s.default_next = optional_string(spec, "Default");
  }

  static void wait(State& s, const Json& spec) {
    int given = 0;
    if (auto it = spec.find("Seconds"); it != spec.end()) {
      s.wait_seconds = seconds(*it, "Seconds", true);
      ++given;
    }
    if (spec.contains("SecondsPath")) {
      s.wait_seconds_path = path(spec, "SecondsPath", false, true);
      ++given;
    }
    if (auto it = spec.find("Timestamp"); it != spec.end()) {
      auto t = it->is_string() ? parse_timestamp(it->get_ref<const std::string&>()) : std::nullopt;
      if (!t) throw FieldError("Timestamp must be an RFC 3339 timestamp");
      s.wait_timestamp = *t;
      ++given;
    }
    if (spec.contains("TimestampPath")) {
      s.wait_timestamp_path = path(spec, "TimestampPath", false, true);
      ++given;
    }
    if (given != 1) {
      throw FieldError(
          "a Wait state needs exactly one of Seconds, SecondsPath, Timestamp and TimestampPath");
    }
  }

  static void check_target(const StateMachine& m, const State& s, const std::string& target,
                           const char* what) {
    if (!m.index.contains(target)) {
      fail(s.qualified, fmt::format("{} '{}' is not a state of its machine", what, target));
    }
  }

  static void check_transitions(const StateMachine& m) {
    for (const auto& s : m.states) {
      if (!s.next.empty()) check_target(m, s, s.next, "Next");
      if (!s.default_next.empty()) check_target(m, s, s.default_next, "Default");
      for (const auto& rule : s.choices) check_target(m, s, rule.next(), "a Choice rule's Next");
      for (const auto& c : s.catches) check_target(m, s, c.next, "a catcher's Next");
    }
  }

  static void check_reachable(const StateMachine& m) {
    std::vector<bool> seen(m.states.size(), false);
    std::deque<size_t> todo{m.index.at(m.start_at)};
    seen[todo.front()] = true;
    auto visit = [&](const std::string& name) {
      size_t i = m.index.at(name);
      if (!seen[i]) {
        seen[i] = true;
        todo.push_back(i);
      }
    };
    while (!todo.empty()) {
      const State& s = m.states[todo.front()];
      todo.pop_front();
      if (!s.next.empty()) visit(s.next);
      if (!s.default_next.empty()) visit(s.default_next);
      for (const auto& rule : s.choices) visit(rule.next());
      for (const auto& c : s.catches) visit(c.next);
    }
    for (size_t i = 0; i < m.states.size(); ++i) {
      if (!seen[i]) fail(m.states[i].qualified, "unreachable from StartAt");
    }
  }

  const std::function<bool(const std::string&)>& function_exists_;
  size_t count_ = 0;
};

void collect_functions(const StateMachine& m, std::set<std::string>& out, size_t depth) {
  if (depth > DefinitionLimits::kMaxNesting) return;  // parse_definition bounds it already
  for (const auto& s : m.states) {
    if (s.type == StateType::Task) out.insert(s.resource);
    for (const auto& b : s.branches) collect_functions(b, out, depth + 1);
  }
}

}  // namespace

std::shared_ptr<const Definition> parse_definition(
    std::string_view json, const std::function<bool(const std::string&)>& function_exists) {
  if (json.size() > DefinitionLimits::kMaxBytes) {
    throw DefinitionError(
        "", fmt::format("a definition is at most {} bytes", DefinitionLimits::kMaxBytes));
  }
  Json spec;
  try {
    spec = parse_json(json);
  } catch (const DataError& e) {
    throw DefinitionError("", e.what());
  }
  if (!spec.is_object()) throw DefinitionError("", "a definition must be a JSON object");
  for (const auto& [key, value] : spec.items()) {
    if (key != "StartAt" && key != "States" && key != "Comment" && key != "Version" &&
        key != "TimeoutSeconds") {
      throw DefinitionError("", fmt::format("unknown top-level field '{}'", key));
    }
  }
  auto definition = std::make_shared<Definition>();
  Parser parser(function_exists);
  definition->machine = parser.machine(spec, "", 0);
  definition->state_count = parser.count();
  try {
    if (auto c = spec.find("Comment"); c != spec.end()) {
      if (!c->is_string()) throw FieldError("Comment must be a string");
      definition->comment = c->get<std::string>();
    }
    if (auto v = spec.find("Version"); v != spec.end() && !v->is_string()) {
      throw FieldError("Version must be a string");
    }
    if (auto t = spec.find("TimeoutSeconds"); t != spec.end()) {
      if (!t->is_number() || t->get<double>() <= 0 || t->get<double>() > kMaxSeconds) {
        throw FieldError("TimeoutSeconds must be a positive number of seconds");
      }
      definition->timeout = std::chrono::nanoseconds(static_cast<int64_t>(t->get<double>() * 1e9));
    }
  } catch (const FieldError& e) {
    throw DefinitionError("", e.what());
  }
  return definition;
}

std::vector<std::string> task_functions(const Definition& definition) {
  std::set<std::string> names;
  collect_functions(definition.machine, names, 0);
  return {names.begin(), names.end()};
}

}  // namespace wasmlet::workflow
