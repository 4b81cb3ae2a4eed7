#pragma once
// The C the code generator adds around wasm2c's output: precise indirect-call traps, links to
// other modules' exports, Proto-Faaslet support, and the module descriptor the engine loads
// (module_descriptor.h).
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "engine/codegen.h"
#include "engine/module_info.h"

namespace wasmlet::engine {

// The instance struct's fields in wasm2c's header, as (type, name) pairs.
using Fields = std::vector<std::pair<std::string, std::string>>;
// Reads the instance struct's fields from wasm2c's header, one line each.
Fields instance_fields(const std::string& header, const std::string& name);
// The linear memory in the instance struct: embedded when the module defines it, a pointer
// when it imports it.
std::string memory_field(const Fields& fields);

// Replaces wasm2c's CALL_INDIRECT so that a failed indirect call says which of the three
// faults (out of range, null, wrong type) happened.
std::string call_indirect_override();

struct LinkPlan {
  std::string defines;  // renames each linked import symbol to a module-local stub
  std::string stubs;    // stubs that forward through the link table
};
// Imports from the modules in options.linked_import_modules, bound through a link table.
LinkPlan plan_links(const ModuleInfo& info, const std::string& name, const CodegenOptions& options);

// wasm2c 1.0.32 puts an imported function into a table with the address of the instance field
// that holds its context, instead of the context itself, so the callee would get a wrong first
// argument. Mark such entries and dereference the field when the table is initialised.
void fix_imported_elements(std::string& source);

// The module descriptor and the functions it points to, appended after wasm2c's source.
std::string descriptor(const ModuleInfo& info, const std::string& name, const std::string& header,
                       const Fields& fields, const std::string& source);

}  // namespace wasmlet::engine
