#include "engine/memory_access.h"

#include <fmt/format.h>

#include <string_view>
#include <vector>

#include "engine/c_syntax.h"

namespace wasmlet::engine {
namespace {

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

// Where `var` occurs in `line` as a whole identifier, or npos.
size_t find_var(std::string_view line, std::string_view var) {
  for (size_t p = line.find(var); p != std::string_view::npos; p = line.find(var, p + 1)) {
    bool left = p == 0 || !is_ident_char(line[p - 1]);
    bool right = p + var.size() >= line.size() || !is_ident_char(line[p + var.size()]);
    if (left && right) return p;
  }
  return std::string_view::npos;
}

}  // namespace

std::string memory_access_prelude(const std::string& memory) {
  // The runtime reserves the whole 8 GiB window up front and never moves a memory, so its base
  // is invariant for the memory's life. Reading it once per function lets the C compiler keep it
  // in a register instead of reloading it after every store that might alias the field.
  std::string out = fmt::format(R"(
/* Wasmlet: memory base read once per function. */
#undef FUNC_PROLOGUE
#define FUNC_PROLOGUE u8* const wl_mem = ({})->data; (void)wl_mem
)",
                                memory);
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

void mark_live_loads(std::string& source) {
  constexpr size_t kWindow = 24;
  std::vector<std::string_view> lines = split_lines(source);
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

}  // namespace wasmlet::engine
