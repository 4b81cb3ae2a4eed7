#include "engine/codegen.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <unordered_set>
#include <vector>

#include "engine/errors.h"
#include "engine/loop_versioning.h"
#include "engine/memory_access.h"
#include "engine/module_glue.h"
#include "engine/nan_quieting.h"
#include "util/files.h"

namespace wasmlet::engine {
namespace {

namespace fs = std::filesystem;

// The last line of wasm2c's fixed prelude; Wasmlet's overrides go right after it.
constexpr std::string_view kPreludeAnchor = "DEFINE_STORE(i64_store32, u32, u64)\n";

// Imports of one name with two types: wasm2c cannot declare both, and no provider could
// satisfy both (see UnlinkableModule).
void check_imports_linkable(const ModuleInfo& info) {
  std::map<std::pair<std::string_view, std::string_view>, const Import*> seen;
  for (const Import& imp : info.imports) {
    auto [it, inserted] =
        seen.emplace(std::pair{std::string_view(imp.module), std::string_view(imp.name)}, &imp);
    if (inserted) continue;
    const ExternType& a = it->second->type;
    const ExternType& b = imp.type;
    bool same = a.kind == b.kind && a.signature == b.signature &&
                a.mutable_global == b.mutable_global && a.limits.min == b.limits.min &&
                a.limits.max == b.limits.max;
    if (!same) {
      throw UnlinkableModule(fmt::format(
          "import {}.{} is declared twice with different types, which nothing can provide",
          imp.module, imp.name));
    }
  }
}

// wasm2c copies import and export names unescaped into block comments: a name holding "*/"
// would end its comment and make the rest C code. Control characters are harmless there once
// neutralise_comment_controls() has run.
void check_names_safe_for_c(const ModuleInfo& info) {
  auto unsafe = [](std::string_view name) { return name.find("*/") != std::string_view::npos; };
  auto reject = [](std::string_view what, size_t index) {
    throw ModuleRejected(
        fmt::format("{} {} has a name holding \"*/\", which Wasmlet cannot compile", what, index));
  };
  for (size_t i = 0; i < info.imports.size(); ++i) {
    if (unsafe(info.imports[i].module) || unsafe(info.imports[i].name)) reject("import", i);
  }
  for (size_t i = 0; i < info.exports.size(); ++i) {
    if (unsafe(info.exports[i].name)) reject("export", i);
  }
}

// Replaces control characters inside block comments (names wasm2c copied there) with spaces,
// so that every pass after this one sees wasm2c's statements one per line.
void neutralise_comment_controls(std::string& source) {
  enum class In { Code, Block, Line, String, Char } in = In::Code;
  for (size_t i = 0; i < source.size(); ++i) {
    char c = source[i];
    char next = i + 1 < source.size() ? source[i + 1] : '\0';
    switch (in) {
      case In::Code:
        if (c == '/' && next == '*') {
          in = In::Block;
          ++i;
        } else if (c == '/' && next == '/') {
          in = In::Line;
          ++i;
        } else if (c == '"') {
          in = In::String;
        } else if (c == '\'') {
          in = In::Char;
        }
        break;
      case In::Block:
        if (c == '*' && next == '/') {
          in = In::Code;
          ++i;
        } else if (auto u = static_cast<unsigned char>(c); u < 0x20 || u == 0x7f) {
          source[i] = ' ';
        }
        break;
      case In::Line:
        if (c == '\n') in = In::Code;
        break;
      case In::String:
      case In::Char:
        if (c == '\\') {
          ++i;
        } else if (c == (in == In::String ? '"' : '\'') || c == '\n') {
          in = In::Code;
        }
        break;
    }
  }
}

}  // namespace

std::string mangle_name(std::string_view name) {
  std::string out;
  for (unsigned char c : name) {
    if ((std::isalnum(c) && c != 'Z' && c < 0x80) || c == '_') {
      out += static_cast<char>(c);
    } else {
      out += fmt::format("Z{:02X}", c);
    }
  }
  return out;
}

std::string descriptor_symbol(std::string_view module_name) {
  return fmt::format("wasmlet_module_{}", module_name);
}

fs::path generate_c(std::span<const unsigned char> wasm, const ModuleInfo& info,
                    const std::string& module_name, const CodegenOptions& options,
                    const fs::path& dir, const CompileRun& run) {
  check_names_safe_for_c(info);
  check_imports_linkable(info);
  fs::path wasm_path = dir / (module_name + ".wasm");
  fs::path c_path = dir / (module_name + ".c");
  fs::path h_path = dir / (module_name + ".h");
  util::write_file_atomic(wasm_path, {reinterpret_cast<const char*>(wasm.data()), wasm.size()});
  auto res = run_compiler(
      {run.wasm2c_program(), wasm_path.string(), "-n", module_name, "-o", c_path.string()}, run);
  if (res.signal != 0) {
    throw CompileFailed(fmt::format("wasm2c was killed by signal {}", res.signal));
  }
  if (res.exit_code != 0) {
    // wasm2c prefixes errors with the temporary path; keep only what the user can act on.
    std::string msg = erase_all(res.output, wasm_path.string() + ":");
    while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
    throw ModuleRejected(fmt::format("invalid module: {}", msg.empty() ? "wasm2c failed" : msg));
  }
  std::string header = util::read_text_file(h_path);
  std::string source = util::read_text_file(c_path);
  const Fields fields = instance_fields(header, module_name);

  neutralise_comment_controls(source);
  fix_imported_elements(source);
  auto anchor = source.find(kPreludeAnchor);
  if (anchor == std::string::npos) {
    throw CompileFailed("codegen: unexpected wasm2c output (prelude)");
  }
  const bool hoist = info.has_memory && options.hoist_memory_base;
  std::string prelude = std::string(nan_quieting_prelude()) + call_indirect_override();
  if (hoist) prelude += memory_access_prelude(memory_field(fields));
  source.insert(anchor + kPreludeAnchor.size(), prelude);

  if (hoist) mark_live_loads(source);
  keep_nan_quieting(source);
  if (hoist) version_counted_loops(source);

  LinkPlan links = plan_links(info, module_name, options);
  std::string prefix = "typedef struct { void* ptr; void* instance; } wl_link;\n" + links.defines;
  source = prefix + source + links.stubs + descriptor(info, module_name, header, fields, source);
  util::write_file_atomic(c_path, source);
  return c_path;
}

}  // namespace wasmlet::engine
