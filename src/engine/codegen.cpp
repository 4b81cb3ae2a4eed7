#include "engine/codegen.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <unordered_set>
#include <vector>

#include "engine/errors.h"
#include "engine/nan_quieting.h"
#include "util/files.h"

namespace wasmlet::engine {
namespace {

namespace fs = std::filesystem;

// The last line of wasm2c's fixed prelude; Wasmlet's overrides go right after it.
constexpr std::string_view kPreludeAnchor = "DEFINE_STORE(i64_store32, u32, u64)\n";

constexpr std::string_view kLoads[][4] = {
    {"i32_load", "u32", "u32", "u32"},     {"i64_load", "u64", "u64", "u64"},
    {"f32_load", "f32", "f32", "f32"},     {"f64_load", "f64", "f64", "f64"},
    {"i32_load8_s", "s8", "s32", "u32"},   {"i64_load8_s", "s8", "s64", "u64"},
    {"i32_load8_u", "u8", "u32", "u32"},   {"i64_load8_u", "u8", "u64", "u64"},
    {"i32_load16_s", "s16", "s32", "u32"}, {"i64_load16_s", "s16", "s64", "u64"},
    {"i32_load16_u", "u16", "u32", "u32"}, {"i64_load16_u", "u16", "u64", "u64"},
    {"i64_load32_s", "s32", "s64", "u64"}, {"i64_load32_u", "u32", "u64", "u64"},
};
// Appended to a load's name when its value is certainly used (see mark_live_loads).
constexpr std::string_view kLiveSuffix = "_live";

constexpr std::string_view kStores[][3] = {
    {"i32_store", "u32", "u32"}, {"i64_store", "u64", "u64"},   {"f32_store", "f32", "f32"},
    {"f64_store", "f64", "f64"}, {"i32_store8", "u8", "u32"},   {"i32_store16", "u16", "u32"},
    {"i64_store8", "u8", "u64"}, {"i64_store16", "u16", "u64"}, {"i64_store32", "u32", "u64"},
};

std::string c_type(char t) {
  switch (t) {
    case 'i':
      return "u32";
    case 'j':
      return "u64";
    case 'f':
      return "f32";
    case 'd':
      return "f64";
    case 'r':
      return "wasm_rt_funcref_t";
    case 'e':
      return "wasm_rt_externref_t";
    default:
      throw CompileFailed(fmt::format("codegen: unknown value type '{}'", t));
  }
}

std::string c_return_type(std::string_view results) {
  if (results.empty()) return "void";
  if (results.size() == 1) return c_type(results[0]);
  return fmt::format("struct wasm_multi_{}", results);
}

std::string decode_arg(char t, size_t k) {
  switch (t) {
    case 'i':
      return fmt::format("(u32)a[{}]", k);
    case 'j':
      return fmt::format("a[{}]", k);
    case 'f':
      return fmt::format("wl_f32(a[{}])", k);
    case 'd':
      return fmt::format("wl_f64(a[{}])", k);
    case 'e':
      return fmt::format("(wasm_rt_externref_t)(uintptr_t)a[{}]", k);
    default:
      return "wasm_rt_funcref_null_value";
  }
}

std::string encode_result(char t, const std::string& expr) {
  switch (t) {
    case 'i':
      return fmt::format("(uint64_t)({})", expr);
    case 'j':
      return expr;
    case 'f':
      return fmt::format("wl_bits32({})", expr);
    case 'd':
      return fmt::format("wl_bits64({})", expr);
    case 'e':
      return fmt::format("(uint64_t)(uintptr_t)({})", expr);
    default:
      return fmt::format("(uint64_t)(uintptr_t)({}).func", expr);
  }
}

std::string c_string_literal(std::string_view s) {
  std::string out = "\"";
  for (unsigned char c : s) out += fmt::format("\\{:03o}", c);
  return out + "\"";
}

std::string pointer_type(const ExternType& t) {
  switch (t.kind) {
    case ExternKind::Memory:
      return "wasm_rt_memory_t*";
    case ExternKind::Table:
      return t.signature == "e" ? "wasm_rt_externref_table_t*" : "wasm_rt_funcref_table_t*";
    case ExternKind::Global:
      return c_type(t.signature[0]) + "*";
    case ExternKind::Func:
      break;
  }
  throw CompileFailed("codegen: functions have no pointer type");
}

// The instance struct's fields in wasm2c's header, as (type, name) pairs.
using Fields = std::vector<std::pair<std::string, std::string>>;

// The linear memory in the instance struct: embedded when the module defines it, a pointer
// when it imports it.
std::string memory_field(const Fields& fields) {
  for (const auto& [type, field] : fields) {
    if (type == "wasm_rt_memory_t") return fmt::format("(&instance->{})", field);
    if (type == "wasm_rt_memory_t *") return fmt::format("instance->{}", field);
  }
  throw CompileFailed("codegen: no memory field in wasm2c header");
}

std::string prelude_overrides(const ModuleInfo& info, const Fields& fields,
                              const CodegenOptions& options) {
  std::string out = R"(
/* Wasmlet: precise indirect-call traps. */
WASM_RT_NO_RETURN void wasmlet_call_indirect_trap(const wasm_rt_funcref_table_t*, u32, u32);
#undef CALL_INDIRECT
#define CALL_INDIRECT(table, t, ft, x, ...)                                    \
  ((LIKELY((x) < table.size && table.data[x].func &&                          \
           table.data[x].func_type == func_types[ft])) ||                     \
       (wasmlet_call_indirect_trap(&(table), (x), func_types[ft]), 0),        \
   ((t)table.data[x].func)(__VA_ARGS__))
)";
  if (!info.has_memory || !options.hoist_memory_base) return out;
  // The runtime reserves the whole 8 GiB window up front and never moves a memory, so its base
  // is invariant for the memory's life. Reading it once per function lets the C compiler keep it
  // in a register instead of reloading it after every store that might alias the field.
  out += fmt::format(R"(
/* Wasmlet: memory base read once per function. */
#undef FUNC_PROLOGUE
#define FUNC_PROLOGUE u8* const wl_mem = ({})->data; (void)wl_mem
)",
                     memory_field(fields));
  // Two flavours of load. The default keeps wasm2c's empty asm on the result, so a load whose
  // value is never used still happens and still traps when out of bounds. That asm is volatile
  // and stops vectorisation, so loads proven live by mark_live_loads() use the plain flavour.
  for (const auto& l : kLoads) {
    out += fmt::format(
        "static inline {3} wl_{0}(u8* base, u64 addr) {{ {1} r; wasm_rt_memcpy(&r, base + addr, "
        "sizeof(r)); wasm_asm(\"\" ::\"r\"(r)); return ({3})({2})r; }}\n"
        "static inline {3} wl_live_{0}(u8* base, u64 addr) {{ {1} r; wasm_rt_memcpy(&r, base + "
        "addr, sizeof(r)); return ({3})({2})r; }}\n"
        "#define {0}(m, a) wl_{0}(wl_mem, a)\n#define {0}{4}(m, a) wl_live_{0}(wl_mem, a)\n",
        l[0], l[1], l[2], l[3], kLiveSuffix);
  }
  for (const auto& s : kStores) {
    out += fmt::format(
        "static inline void wl_{0}(u8* base, u64 addr, {2} v) {{ {1} w = ({1})v; "
        "wasm_rt_memcpy(base + addr, &w, sizeof(w)); }}\n#define {0}(m, a, v) wl_{0}(wl_mem, a, "
        "v)\n",
        s[0], s[1], s[2]);
  }
  return out;
}

bool is_ident_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

// Where `var` occurs in `line` as a whole identifier, or npos.
size_t find_var(std::string_view line, std::string_view var) {
  for (size_t p = line.find(var); p != std::string_view::npos; p = line.find(var, p + 1)) {
    bool left = p == 0 || !is_ident_char(line[p - 1]);
    bool right = p + var.size() >= line.size() || !is_ident_char(line[p + var.size()]);
    if (left && right) return p;
  }
  return std::string_view::npos;
}

// Renames a load to its plain flavour when its value certainly reaches an effect. The value is
// followed through the straight-line statements after the load (wasm2c writes one per line):
// every variable computed from it is tracked, a variable overwritten with something else is
// not. The load is live once a tracked variable feeds a store, a call, a condition, a return or
// a global. If every tracked variable dies first, or control flow comes before any effect, the
// load keeps the trapping flavour. The C compiler can still remove a load whose effect it
// removes in turn (a store it proves dead, a result folded to a constant); see
// docs/engine.md.
void mark_live_loads(std::string& source) {
  constexpr size_t kWindow = 24;
  std::vector<std::string_view> lines;
  for (size_t pos = 0; pos < source.size();) {
    size_t end = source.find('\n', pos);
    if (end == std::string::npos) end = source.size();
    lines.emplace_back(source.data() + pos, end - pos);
    pos = end + 1;
  }
  auto assignment = [](std::string_view line, std::string_view& lhs, std::string_view& rhs) {
    size_t first = line.find_first_not_of(' ');
    if (first == std::string_view::npos) return false;
    size_t eq = line.find(" = ", first);
    if (eq == std::string_view::npos) return false;
    lhs = line.substr(first, eq - first);
    if (lhs.find_first_of("(){} ") != std::string_view::npos) return false;
    rhs = line.substr(eq + 3);
    return true;
  };
  auto mentions_any = [](std::string_view text, const std::vector<std::string_view>& vars) {
    for (auto v : vars) {
      if (find_var(text, v) != std::string_view::npos) return true;
    }
    return false;
  };

  std::vector<size_t> live_calls;  // offsets in source just after the load's name
  for (size_t i = 0; i < lines.size(); ++i) {
    std::string_view var, rhs;
    if (!assignment(lines[i], var, rhs) || !var.starts_with("w2c_")) continue;
    const std::string_view* load = nullptr;
    for (const auto& l : kLoads) {
      if (rhs.starts_with(l[0]) && rhs.size() > l[0].size() && rhs[l[0].size()] == '(')
        load = &l[0];
    }
    if (load == nullptr) continue;

    std::vector<std::string_view> tracked = {var};
    bool live = false;
    for (size_t j = i + 1; j < lines.size() && j <= i + kWindow && !live && !tracked.empty(); ++j) {
      std::string_view next = lines[j], lhs, value;
      bool reads = mentions_any(next, tracked);
      if (assignment(next, lhs, value) && lhs.starts_with("w2c_")) {
        bool from_tracked = mentions_any(value, tracked);
        bool call = value.find("(instance") != std::string_view::npos ||
                    value.find("CALL_INDIRECT(") != std::string_view::npos;
        if (from_tracked && call) {
          live = true;
        } else if (from_tracked) {
          if (!mentions_any(lhs, tracked)) tracked.push_back(lhs);
        } else {
          std::erase(tracked, lhs);
        }
        continue;
      }
      if (reads) {
        live = true;  // a store, call, condition, return or global write consumes it
        break;
      }
      bool control =
          next.find("goto") != std::string_view::npos || next.find(':') != std::string_view::npos ||
          next.find('{') != std::string_view::npos || next.find('}') != std::string_view::npos ||
          next.find("return") != std::string_view::npos ||
          next.find("FUNC_") != std::string_view::npos;
      if (control) break;
    }
    if (live) live_calls.push_back(static_cast<size_t>(rhs.data() - source.data()) + load->size());
  }
  std::string out;
  out.reserve(source.size() + live_calls.size() * kLiveSuffix.size());
  size_t from = 0;
  for (size_t at : live_calls) {
    out.append(source, from, at - from);
    out += kLiveSuffix;
    from = at;
  }
  out.append(source, from);
  source = std::move(out);
}

struct LinkPlan {
  std::string defines;  // renames each linked import symbol to a module-local stub
  std::string stubs;    // stubs that forward through the link table
};

LinkPlan plan_links(const ModuleInfo& info, const std::string& name,
                    const CodegenOptions& options) {
  LinkPlan plan;
  std::map<std::string, uint32_t> next_slot;
  uint32_t counter = 0;
  for (const auto& imp : info.imports) {
    if (!options.linked_import_modules.contains(imp.module)) continue;
    uint32_t slot = next_slot[imp.module]++;
    std::string sym = fmt::format("Z_{}Z_{}", mangle_name(imp.module), mangle_name(imp.name));
    std::string stub = fmt::format("{}_link{}", name, counter++);
    std::string ctx_type = fmt::format("struct Z_{}_instance_t*", mangle_name(imp.module));
    plan.defines += fmt::format("#define {} {}\n", sym, stub);
    if (imp.type.kind == ExternKind::Func) {
      auto params = signature_params(imp.type.signature);
      auto results = signature_results(imp.type.signature);
      std::string decl_params, call_args, fn_params;
      for (size_t k = 0; k < params.size(); ++k) {
        decl_params += fmt::format(", {} a{}", c_type(params[k]), k);
        call_args += fmt::format(", a{}", k);
        fn_params += ", " + c_type(params[k]);
      }
      std::string ret = c_return_type(results);
      plan.stubs += fmt::format(
          "{0} {1}({2} ctx{3}) {{ const wl_link* l = (const wl_link*)ctx + {4}; return (({0} "
          "(*)(void*{5}))l->ptr)(l->instance{6}); }}\n",
          ret, stub, ctx_type, decl_params, slot, fn_params, call_args);
    } else {
      plan.stubs +=
          fmt::format("{0} {1}({2} ctx) {{ return ({0})((const wl_link*)ctx)[{3}].ptr; }}\n",
                      pointer_type(imp.type), stub, ctx_type, slot);
    }
  }
  return plan;
}

// Reads the instance struct's fields from wasm2c's header, one line each.
Fields instance_fields(const std::string& header, const std::string& name) {
  std::string open = fmt::format("typedef struct Z_{}_instance_t {{\n", name);
  auto begin = header.find(open);
  auto end = header.find(fmt::format("}} Z_{}_instance_t;", name));
  if (begin == std::string::npos || end == std::string::npos || end < begin) {
    throw CompileFailed("codegen: no instance struct in wasm2c header");
  }
  Fields fields;
  std::string_view body(header.data() + begin + open.size(), end - begin - open.size());
  for (size_t pos = 0; pos < body.size();) {
    size_t nl = body.find('\n', pos);
    std::string_view line = body.substr(pos, nl == std::string_view::npos ? nl : nl - pos);
    pos = nl == std::string_view::npos ? body.size() : nl + 1;
    size_t first = line.find_first_not_of(' ');
    if (first == std::string_view::npos || line.substr(first).starts_with("/*")) continue;
    line = line.substr(first);
    if (!line.ends_with(";")) continue;
    line.remove_suffix(1);
    if (size_t colon = line.find(" : "); colon != std::string_view::npos) {
      line = line.substr(0, colon);  // a bitfield (dropped-segment flags): copied like a global
    }
    size_t split = line.find_last_of(" *");
    if (split == std::string_view::npos) continue;
    std::string_view type = line.substr(0, split + 1);
    while (type.ends_with(' ')) type.remove_suffix(1);
    fields.emplace_back(std::string(type), std::string(line.substr(split + 1)));
  }
  return fields;
}

// Every identifier the header follows with '(' (the functions it declares), found in one pass:
// looking each export up with a search of its own would take time quadratic in their number.
std::unordered_set<std::string_view> declared_functions(std::string_view header) {
  std::unordered_set<std::string_view> names;
  for (size_t open = header.find('('); open != std::string_view::npos;
       open = header.find('(', open + 1)) {
    size_t begin = open;
    while (begin > 0 && is_ident_char(header[begin - 1])) --begin;
    if (begin < open) names.insert(header.substr(begin, open - begin));
  }
  return names;
}

// Functions Proto-Faaslets need: binding a blank instance's imports, copying globals and tables
// from a template instance (rewriting funcrefs that point at the template or its import
// contexts), and finding the function table. Memory is copied by the runtime (MemoryImage).
std::string snapshot_functions(const std::string& name, const Fields& fields,
                               const std::string& source, const std::set<std::string>& modules) {
  std::string inst = fmt::format("Z_{}_instance_t", name);
  std::string out;
  if (source.find("static void init_instance_import(") != std::string::npos) {
    std::string args;
    size_t k = 0;
    for (const auto& m : modules)
      args += fmt::format(", (struct Z_{}_instance_t*)c[{}]", mangle_name(m), k++);
    out += fmt::format(
        "static void wl_bind_imports(void* i, void* const* c) {{ init_instance_import(({}*)i{}); "
        "}}\n",
        inst, args);
  } else {
    out += "static void wl_bind_imports(void* i, void* const* c) { (void)i; (void)c; }\n";
  }

  std::string table = "0";
  std::string copies;
  size_t ctx_count = 0;
  std::string ctx_src, ctx_dst;
  for (const auto& [type, field] : fields) {
    if (type.starts_with("struct ") && type.ends_with("*")) {  // an import module's context
      ctx_src += fmt::format("s->{}, ", field);
      ctx_dst += fmt::format("d->{}, ", field);
      ++ctx_count;
    }
  }
  for (const auto& [type, field] : fields) {
    if (type.ends_with("*") || type == "char" || type == "wasm_rt_memory_t") continue;
    if (type == "wasm_rt_funcref_table_t") {
      copies += fmt::format("  wl_copy_funcrefs(&d->{0}, &s->{0}, s, d, sc, dc, {1});\n", field,
                            ctx_count);
      if (table == "0") table = fmt::format("&(({}*)i)->{}", inst, field);
    } else if (type == "wasm_rt_externref_table_t") {
      copies += fmt::format("  wl_copy_externrefs(&d->{0}, &s->{0});\n", field);
    } else if (type == "wasm_rt_funcref_t") {
      copies += fmt::format("  d->{0} = wl_rebind(s->{0}, s, d, sc, dc, {1});\n", field, ctx_count);
    } else {
      copies += fmt::format("  d->{0} = s->{0};\n", field);  // a global
    }
  }
  if (table == "0") {
    for (const auto& [type, field] : fields) {
      if (type == "wasm_rt_funcref_table_t *" && table == "0")
        table = fmt::format("(({}*)i)->{}", inst, field);
    }
  }
  out += R"(static wasm_rt_funcref_t wl_rebind(wasm_rt_funcref_t e, const void* s, void* d,
                                   void* const* sc, void* const* dc, u32 n) {
  if (e.module_instance == s) { e.module_instance = d; return e; }
  for (u32 k = 0; k < n; k++) if (e.module_instance == sc[k]) { e.module_instance = dc[k]; break; }
  return e;
}
static void wl_copy_funcrefs(wasm_rt_funcref_table_t* d, const wasm_rt_funcref_table_t* s,
                             const void* si, void* di, void* const* sc, void* const* dc, u32 n) {
  if (d->size != s->size) {
    wasm_rt_free_funcref_table(d);
    wasm_rt_allocate_funcref_table(d, s->size, s->max_size);
  }
  for (u32 k = 0; k < s->size; k++) d->data[k] = wl_rebind(s->data[k], si, di, sc, dc, n);
}
static void wl_copy_externrefs(wasm_rt_externref_table_t* d, const wasm_rt_externref_table_t* s) {
  if (d->size != s->size) {
    wasm_rt_free_externref_table(d);
    wasm_rt_allocate_externref_table(d, s->size, s->max_size);
  }
  if (s->size) memcpy(d->data, s->data, s->size * sizeof(*s->data));
}
)";
  out += fmt::format(
      "static void wl_copy_state(void* dv, const void* sv) {{\n  {0}* d = dv; const {0}* s = sv;\n"
      "  void* sc[] = {{{1}0}}; void* dc[] = {{{2}0}}; (void)sc; (void)dc;\n{3}}}\n",
      inst, ctx_src, ctx_dst, copies);
  out += fmt::format(
      "static wasm_rt_funcref_table_t* wl_table(void* i) {{ (void)i; return {}; }}\n", table);
  return out;
}

std::string descriptor(const ModuleInfo& info, const std::string& name, const std::string& header,
                       const Fields& fields, const std::string& source) {
  std::string inst = fmt::format("Z_{}_instance_t", name);
  std::string out(module_descriptor_source());
  // The host compiler laid the descriptor out; the guest C compiler must agree.
  out += fmt::format(
      "_Static_assert(sizeof(wasmlet_module) == {} && sizeof(wasmlet_export) == {}, "
      "\"the C compiler lays out the module descriptor as the engine does\");\n",
      sizeof(AbiModule), sizeof(AbiExport));
  out += R"(
/* Wasmlet: helpers for the module descriptor (module_descriptor.h, pasted above). */
static inline f32 wl_f32(uint64_t v) { u32 b = (u32)v; f32 f; memcpy(&f, &b, 4); return f; }
static inline f64 wl_f64(uint64_t v) { f64 d; memcpy(&d, &v, 8); return d; }
static inline uint64_t wl_bits32(f32 f) { u32 b; memcpy(&b, &f, 4); return b; }
static inline uint64_t wl_bits64(f64 d) { uint64_t b; memcpy(&b, &d, 8); return b; }
)";

  // Import modules in wasm2c's order (sorted), checked against its prototype.
  std::set<std::string> modules;
  for (const auto& imp : info.imports) modules.insert(imp.module);
  std::string proto = fmt::format("void Z_{}_instantiate({}*", name, inst);
  std::string call = fmt::format("Z_{}_instantiate(({}*)i", name, inst);
  std::string names;
  size_t k = 0;
  for (const auto& m : modules) {
    proto += fmt::format(", struct Z_{}_instance_t*", mangle_name(m));
    call += fmt::format(", (struct Z_{}_instance_t*)c[{}]", mangle_name(m), k++);
    names += c_string_literal(m) + ", ";
  }
  if (header.find(proto + ");") == std::string::npos) {
    throw CompileFailed(
        fmt::format("codegen: wasm2c's instantiate prototype differs from '{})'", proto));
  }
  out += fmt::format("static const char* const wl_import_modules[] = {{{} 0}};\n", names);
  out += fmt::format("static void wl_instantiate(void* i, void* const* c) {{ (void)c; {}); }}\n",
                     call);
  out += fmt::format("static void wl_free(void* i) {{ Z_{}_free(({}*)i); }}\n", name, inst);
  if (info.has_memory) {
    out += fmt::format(
        "static wasm_rt_memory_t* wl_memory(void* i) {{ {}* instance = i; return {}; }}\n", inst,
        memory_field(fields));
  }

  std::string table;
  k = 0;
  const auto declared = declared_functions(header);
  for (const auto& e : info.exports) {
    std::string sym = fmt::format("Z_{}Z_{}", name, mangle_name(e.name));
    if (!declared.contains(sym)) {
      throw CompileFailed(fmt::format("codegen: wasm2c did not emit export symbol {}", sym));
    }
    std::string thunk = "0", getter = "0", func = "0";
    if (e.type.kind == ExternKind::Func) {
      auto params = signature_params(e.type.signature);
      auto results = signature_results(e.type.signature);
      bool generic = results.size() <= 1 || results.find_first_of("re") == std::string_view::npos;
      func = fmt::format("(void (*)(void)){}", sym);
      if (generic) {
        std::string args = fmt::format("({}*)i", inst);
        for (size_t p = 0; p < params.size(); ++p) args += ", " + decode_arg(params[p], p);
        std::string body;
        if (results.empty()) {
          body = fmt::format("{}({});", sym, args);
        } else {
          body = fmt::format("{} v = {}({});", c_return_type(results), sym, args);
          for (size_t q = 0; q < results.size(); ++q) {
            std::string field = results.size() == 1 ? "v" : fmt::format("v.{}{}", results[q], q);
            body += fmt::format(" r[{}] = {};", q, encode_result(results[q], field));
          }
        }
        out += fmt::format(
            "static void wl_thunk{}(void* i, const uint64_t* a, uint64_t* r) {{ (void)a; (void)r; "
            "{} }}\n",
            k, body);
        thunk = fmt::format("wl_thunk{}", k);
      }
    } else {
      out += fmt::format("static void* wl_get{}(void* i) {{ return (void*){}(({}*)i); }}\n", k, sym,
                         inst);
      getter = fmt::format("wl_get{}", k);
    }
    table += fmt::format("  {{{}, {}, {}, {}, {}, {}}},\n", c_string_literal(e.name), e.name.size(),
                         static_cast<uint32_t>(e.type.kind), thunk, getter, func);
    ++k;
  }
  out += fmt::format("static const wasmlet_export wl_exports[] = {{\n{}  {{0, 0, 0, 0, 0, 0}}}};\n",
                     table);
  out += snapshot_functions(name, fields, source, modules);
  out += fmt::format(
      "__attribute__((visibility(\"default\"))) const wasmlet_module {} = {{{}, sizeof({}), "
      "Z_{}_init_module, wl_instantiate, wl_free, {}, {}, wl_import_modules, {}, wl_exports, "
      "wl_bind_imports, {}, wl_table}};\n",
      descriptor_symbol(name), kAbiVersion, inst, name, info.has_memory ? "wl_memory" : "0",
      modules.size(), info.exports.size(), info.memory_imported ? "0" : "wl_copy_state");
  return out;
}

// wasm2c 1.0.32 puts an imported function into a table with the address of the instance field
// that holds its context, instead of the context itself, so the callee would get a wrong first
// argument. Mark such entries and dereference the field when the table is initialised.
void fix_imported_elements(std::string& source) {
  constexpr std::string_view kInit = "(char*)module_instance + src_expr->module_offset}";
  auto init = source.find(kInit);
  if (init == std::string::npos) return;  // no element segments
  source.replace(init, kInit.size(), "wl_elem_instance(module_instance, src_expr->module_offset)}");
  constexpr std::string_view kStruct = "} wasm_elem_segment_expr_t;\n";
  auto def = source.find(kStruct);
  if (def == std::string::npos) throw CompileFailed("codegen: unexpected wasm2c output (elements)");
  std::string out;
  out.reserve(source.size() + 4096);
  out.append(source, 0, def + kStruct.size());
  out += R"(
#define WL_IMPORTED_ELEM ((size_t)1 << 63)
static inline void* wl_elem_instance(void* instance, size_t offset) {
  if (offset & WL_IMPORTED_ELEM) return *(void**)((char*)instance + (offset & ~WL_IMPORTED_ELEM));
  return (char*)instance + offset;
}
)";
  // Entries for imported functions are the only ones with a non-zero offset, always of a
  // `Z_<module>_instance` field, one entry per line. A single pass that reads each byte a
  // bounded number of times: sources reach tens of megabytes, segments a million entries, and
  // names in comments can repeat the pattern.
  constexpr std::string_view kOffset = ", offsetof(Z_";
  constexpr std::string_view kField = "_instance)}";
  const std::string_view text(source);
  size_t from = def + kStruct.size();
  size_t eol = 0;
  for (size_t pos = text.find(kOffset, from), next; pos != std::string_view::npos; pos = next) {
    next = text.find(kOffset, pos + 1);
    if (eol <= pos) eol = std::min(text.find('\n', pos), text.size());
    size_t close = text.substr(pos, std::min(next, eol) - pos).find(")}");
    if (close == std::string_view::npos || close + 2 < kField.size() ||
        text.substr(pos + close + 2 - kField.size(), kField.size()) != kField) {
      continue;
    }
    out.append(text.substr(from, pos + 2 - from));
    out += "WL_IMPORTED_ELEM + ";
    from = pos + 2;
  }
  out.append(text.substr(from));
  source = std::move(out);
}

// wasm2c 1.0.32 copies import and export names verbatim into C comments (`/* export: 'NAME'
// */`), so a name holding "*/", or a line break that splices "*" and "/" together, ends the
// comment and makes the rest of the name code that runs in the server. Later wasm2c versions
// escape them; until then such names are refused.
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
  source.insert(anchor + kPreludeAnchor.size(),
                std::string(nan_quieting_prelude()) + prelude_overrides(info, fields, options));

  if (info.has_memory && options.hoist_memory_base) mark_live_loads(source);
  keep_nan_quieting(source);

  LinkPlan links = plan_links(info, module_name, options);
  std::string prefix = "typedef struct { void* ptr; void* instance; } wl_link;\n" + links.defines;
  source = prefix + source + links.stubs + descriptor(info, module_name, header, fields, source);
  util::write_file_atomic(c_path, source);
  return c_path;
}

}  // namespace wasmlet::engine
