// libFuzzer target: States Language definitions (workflow::parse_definition) with every Task's
// Resource taken to exist when it is a short name. An accepted definition's Choice rules,
// payload templates and paths are then applied to the definition's own JSON, as a run would
// apply them to a step's data. A finding is a crash or sanitizer report (deep nesting must not
// exhaust the stack), an exception other than DefinitionError from parsing or DataError from
// applying, or an accepted definition beyond its bounds.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "workflow/definition.h"

namespace {

using wasmlet::workflow::DataError;
using wasmlet::workflow::Json;
using wasmlet::workflow::StateMachine;

void check(bool ok) {
  if (!ok) std::abort();
}

template <class F>
void tolerate_data_errors(F&& f) {
  try {
    f();
  } catch (const DataError&) {
  }
}

void exercise(const StateMachine& machine, const Json& doc, size_t depth) {
  check(depth <= wasmlet::workflow::DefinitionLimits::kMaxNesting);
  check(!machine.states.empty() && machine.index.contains(machine.start_at));
  Json context = {{"Map", {{"Item", {{"Index", 0}, {"Value", doc}}}}}};
  for (const auto& s : machine.states) {
    check(!s.name.empty() && s.name.size() <= wasmlet::workflow::DefinitionLimits::kMaxNameBytes);
    for (const auto& rule : s.choices) tolerate_data_errors([&] { rule.matches(doc); });
    for (const auto* t : {&s.parameters, &s.result_selector}) {
      if (*t) tolerate_data_errors([&] { (*t)->apply(doc, &context); });
    }
    for (const auto* p : {&s.input_path, &s.output_path, &s.items_path}) {
      if (*p) (*p)->select(doc);
    }
    if (s.result_path) {
      Json copy = doc;
      tolerate_data_errors([&] { s.result_path->assign(copy, 1); });
    }
    for (const auto& branch : s.branches) exercise(branch, doc, depth + 1);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  std::shared_ptr<const wasmlet::workflow::Definition> definition;
  try {
    definition = wasmlet::workflow::parse_definition(
        text, [](const std::string& name) { return name.size() <= 8; });
  } catch (const wasmlet::workflow::DefinitionError&) {
    return 0;
  }
  check(definition->state_count <= wasmlet::workflow::DefinitionLimits::kMaxStates);
  auto functions = wasmlet::workflow::task_functions(*definition);
  for (size_t i = 1; i < functions.size(); ++i) check(functions[i - 1] < functions[i]);
  exercise(definition->machine, wasmlet::workflow::parse_json(text), 0);
  return 0;
}
