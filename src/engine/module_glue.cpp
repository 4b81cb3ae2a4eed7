#include "engine/module_glue.h"

#include <fmt/format.h>

#include <map>
#include <string_view>
#include <unordered_set>

#include "engine/c_syntax.h"
#include "engine/errors.h"
#include "engine/module_abi.h"

namespace wasmlet::engine {
namespace {

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

// Whether no instruction can change a table the module defines once it is instantiated: its C
// calls none of wasm2c's table-changing helpers (table.set, fill, copy, grow, init) outside the
// instantiation's init_tables, and it exports no table (which another module could change).
// Then every instance's table holds the same elements, each bound to its own instance, and a
// restore need not copy them again: CPython's 4,230 (100 KB) cost each of its resets 5 us.
bool tables_fixed(const ModuleInfo& info, std::string_view source) {
  for (const Export& e : info.exports) {
    if (e.type.kind == ExternKind::Table) return false;
  }
  bool in_init = false;
  for (std::string_view line : split_lines(source)) {
    if (line.starts_with("static void init_tables(")) in_init = true;
    if (in_init) {
      in_init = line != "}";
      continue;
    }
    if (line.starts_with("static inline") || line.starts_with("#define") ||
        line.find("##") != std::string_view::npos) {
      continue;  // the helpers' own definitions
    }
    for (std::string_view helper :
         {"ref_table_set(", "ref_table_fill(", "ref_table_copy(", "ref_table_init(",
          "wasm_rt_grow_funcref_table(", "wasm_rt_grow_externref_table("}) {
      if (line.find(helper) != std::string_view::npos) return false;
    }
  }
  return true;
}

// Functions Proto-Faaslets need: binding a blank instance's imports, copying globals and tables
// from a template instance (rewriting funcrefs that point at the template or its import
// contexts), and finding the function table. Memory is copied by the runtime (MemoryImage).
std::string snapshot_functions(const std::string& name, const Fields& fields,
                               const std::string& source, const std::set<std::string>& modules,
                               bool tables_fixed) {
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
      copies += fmt::format("  wl_copy_funcrefs(&d->{0}, &s->{0}, s, d, sc, dc, {1}, {2});\n",
                            field, ctx_count, tables_fixed ? 1 : 0);
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
/* `fixed`: no instruction changes the table after instantiation (tables_fixed()), so one that
   has the source's size holds its elements already, from instantiation or an earlier copy. */
static void wl_copy_funcrefs(wasm_rt_funcref_table_t* d, const wasm_rt_funcref_table_t* s,
                             const void* si, void* di, void* const* sc, void* const* dc, u32 n,
                             int fixed) {
  if (d->size == s->size && fixed) return;
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

}  // namespace

std::string memory_field(const Fields& fields) {
  for (const auto& [type, field] : fields) {
    if (type == "wasm_rt_memory_t") return fmt::format("(&instance->{})", field);
    if (type == "wasm_rt_memory_t *") return fmt::format("instance->{}", field);
  }
  throw CompileFailed("codegen: no memory field in wasm2c header");
}

std::string call_indirect_override() {
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
  return out;
}

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

namespace {

// The exports' table (wl_exports) and the thunks and getters its entries point to.
std::string export_table(const ModuleInfo& info, const std::string& name,
                         const std::string& header) {
  const std::string inst = fmt::format("Z_{}_instance_t", name);
  std::string out, table;
  size_t k = 0;
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
  return out +
         fmt::format("static const wasmlet_export wl_exports[] = {{\n{}  {{0, 0, 0, 0, 0, 0}}}};\n",
                     table);
}

}  // namespace

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

  out += export_table(info, name, header);
  out += snapshot_functions(name, fields, source, modules, tables_fixed(info, source));
  out += fmt::format(
      "__attribute__((visibility(\"default\"))) const wasmlet_module {} = {{{}, sizeof({}), "
      "Z_{}_init_module, wl_instantiate, wl_free, {}, {}, wl_import_modules, {}, wl_exports, "
      "wl_bind_imports, {}, wl_table}};\n",
      descriptor_symbol(name), kAbiVersion, inst, name, info.has_memory ? "wl_memory" : "0",
      modules.size(), info.exports.size(), info.memory_imported ? "0" : "wl_copy_state");
  return out;
}

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

}  // namespace wasmlet::engine
