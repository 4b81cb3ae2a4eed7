#include "engine/loop_versioning.h"

#include <fmt/format.h>

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string_view>
#include <vector>

#include "engine/c_syntax.h"

// Why the copy is exact (docs/engine.md, "Loop versioning", says the same at more length).
//
// wasm computes an address as the i32 sum `iv + x`, modulo 2^32, zero-extended, plus the static
// offset. The copy computes `(u64)iv + (u64)x` instead, which is the same number exactly when
// `iv + x < 2^32`. The copy is entered only when, at the loop's entry, `iv < bound` and either
//   `!=` latch: (bound - iv) % C == 0. By induction every iteration's iv is iv0 + k*C with
//       iv0 + k*C + C <= bound, so `iv += C` never wraps and every iteration's iv is < bound;
//   `<` latch: bound + C <= 2^32. An iteration starts with iv < bound (the first by the check,
//       the others by the latch), so iv + C < 2^32 does not wrap, and again every iv < bound;
// and, for every x, bound + x <= 2^32, so iv + x <= bound - 1 + x < 2^32. Nothing in the body
// writes iv (but the latch, after the last rewritten access), bound or any x, and the body has
// no other entry or exit than the loop's own (no labels, gotos or blocks), so those values hold
// for every access of every iteration. Each access therefore reads or writes the same address
// as the original loop would, including the ones that trap; the rest of the copy is the body
// unchanged.

namespace wasmlet::engine {
namespace {

std::string_view trim(std::string_view s) {
  size_t b = s.find_first_not_of(' ');
  if (b == std::string_view::npos) return {};
  size_t e = s.find_last_not_of(' ');
  return s.substr(b, e - b + 1);
}

bool digits_after(std::string_view s, std::string_view prefix) {
  if (!s.starts_with(prefix) || s.size() == prefix.size()) return false;
  for (char c : s.substr(prefix.size())) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

bool is_temp(std::string_view s) { return digits_after(s, "w2c_i"); }
bool is_local(std::string_view s) { return digits_after(s, "w2c_l") || digits_after(s, "w2c_p"); }

// An i32 constant as wasm2c writes it ("8u"), as a number.
std::optional<uint64_t> constant(std::string_view s) {
  if (s.size() < 2 || s.back() != 'u') return std::nullopt;
  uint64_t v = 0;
  for (char c : s.substr(0, s.size() - 1)) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + static_cast<uint64_t>(c - '0');
    if (v > UINT32_MAX) return std::nullopt;
  }
  return v;
}

// An operand of an address sum: a local or a constant (as written).
struct Operand {
  std::string text;
  bool is_constant = false;
  bool operator<(const Operand& o) const { return text < o.text; }
};

// What the analysis knows an i32 temporary holds.
struct Value {
  std::optional<Operand> a, b;  // a alone, or a + b
};

// `lhs op rhs;` split, or nothing for a line that is not a simple assignment.
struct Assign {
  std::string_view lhs, op, rhs;
};
std::optional<Assign> assignment(std::string_view line) {
  if (line.empty() || line.back() != ';') return std::nullopt;
  size_t sp = line.find(' ');
  if (sp == std::string_view::npos) return std::nullopt;
  size_t sp2 = line.find(' ', sp + 1);
  if (sp2 == std::string_view::npos) return std::nullopt;
  std::string_view op = line.substr(sp + 1, sp2 - sp - 1);
  if (op.empty() || op.back() != '=' || op == "==" || op == "!=" || op == "<=" || op == ">=") {
    return std::nullopt;
  }
  return Assign{line.substr(0, sp), op, line.substr(sp2 + 1, line.size() - sp2 - 2)};
}

// Whether `name` is one of the load or store macros (memory_access.cpp's names, with the
// `_live` flavour).
bool is_access(std::string_view name) {
  if (name.ends_with("_live")) name.remove_suffix(5);
  if (name.size() < 8 || name[3] != '_') return false;
  std::string_view type = name.substr(0, 3);
  if (type != "i32" && type != "i64" && type != "f32" && type != "f64") return false;
  std::string_view rest = name.substr(4);
  if (rest.starts_with("load")) {
    rest.remove_prefix(4);
  } else if (rest.starts_with("store")) {
    rest.remove_prefix(5);
  } else {
    return false;
  }
  for (std::string_view width : {"8", "16", "32"}) {
    if (rest.starts_with(width)) {
      rest.remove_prefix(width.size());
      break;
    }
  }
  return rest.empty() || rest == "_s" || rest == "_u";
}

// In an access line, where `(u64)(<temp>)` is the address (the macro's second argument); npos
// if it is not.
size_t address_argument(std::string_view line, std::string_view temp) {
  size_t open = line.find("(&");
  if (open == std::string_view::npos) return open;
  size_t start = open;
  while (start > 0 && is_ident_char(line[start - 1])) --start;
  if (!is_access(line.substr(start, open - start))) return std::string_view::npos;
  size_t comma = line.find(", ", open);
  if (comma == std::string_view::npos) return comma;
  std::string arg = fmt::format("(u64)({})", temp);
  if (line.substr(comma + 2, arg.size()) != arg) return std::string_view::npos;
  size_t after = comma + 2 + arg.size();
  if (after < line.size() && line[after] != ',' && line[after] != ')' && line[after] != ' ') {
    return std::string_view::npos;
  }
  return comma + 2;
}

struct Rewrite {
  size_t line;    // index into the body
  size_t column;  // of "(u64)(<temp>)"
  size_t length;
  std::string replacement;
};

struct Plan {
  std::string check;
  std::vector<Rewrite> rewrites;
};

// The analysis of one loop body (the lines strictly between the label and the latch `if`).
std::optional<Plan> plan_loop(const std::vector<std::string_view>& body, std::string_view cond) {
  std::map<std::string, Value, std::less<>> temps;
  std::set<std::string, std::less<>> written;  // locals the body writes
  std::string iv;
  uint64_t step = 0;
  std::string iv_next;  // the temporary holding iv + step after the latch's write of iv
  size_t iv_line = 0;
  struct Candidate {
    size_t line, column, length;
    Operand iv_side, other;
  };
  std::vector<Candidate> candidates;

  // Locals the body has set to a sum (wasm's local.tee of an address), while that sum holds.
  std::map<std::string, Value, std::less<>> sums_in_locals;

  auto forget_local = [&](std::string_view local) {
    for (auto* values : {&temps, &sums_in_locals}) {
      for (auto it = values->begin(); it != values->end();) {
        const Value& v = it->second;
        bool uses =
            it->first == local || (v.a && v.a->text == local) || (v.b && v.b->text == local);
        it = uses ? values->erase(it) : std::next(it);
      }
    }
  };

  // The plan once the body is read, from the exit condition's right-hand side.
  auto exit_plan = [&](std::string_view rhs) -> std::optional<Plan> {
    for (std::string_view op : {" != ", " < "}) {
      std::string prefix = iv_next + std::string(op);
      if (!rhs.starts_with(prefix)) continue;
      auto b = temps.find(rhs.substr(prefix.size()));
      if (b == temps.end() || b->second.b) return std::nullopt;
      const Operand bound = *b->second.a;
      if (!bound.is_constant && written.contains(bound.text)) return std::nullopt;
      if (step == 0 || step > INT32_MAX) return std::nullopt;
      std::set<Operand> others;
      std::vector<Rewrite> rewrites;
      for (const Candidate& c : candidates) {
        Operand x = c.iv_side, y = c.other;
        if (y.text == iv) std::swap(x, y);
        if (x.text != iv || y.text == iv || c.line >= iv_line) continue;
        if (!y.is_constant && written.contains(y.text)) continue;
        others.insert(y);
        rewrites.push_back(
            {c.line, c.column, c.length, fmt::format("((u64){} + (u64){})", x.text, y.text)});
      }
      if (rewrites.empty()) return std::nullopt;
      std::string check = fmt::format("{} < {}", iv, bound.text);
      if (op == " != ") {
        check += fmt::format(" && (u32)({} - {}) % {}u == 0", bound.text, iv, step);
      } else {
        check += fmt::format(" && (u64){} + {}u <= 0x100000000ull", bound.text, step);
      }
      for (const Operand& y : others) {
        check += fmt::format(" && (u64){} + (u64){} <= 0x100000000ull", bound.text, y.text);
      }
      return Plan{check, std::move(rewrites)};
    }
    return std::nullopt;
  };

  for (size_t i = 0; i < body.size(); ++i) {
    std::string_view line = body[i];
    // Address arguments first: the line's own assignment happens after its load.
    for (const auto& [temp, value] : temps) {
      if (!value.b) continue;
      size_t col = address_argument(line, temp);
      if (col == std::string_view::npos) continue;
      Operand x = *value.a, y = *value.b;
      candidates.push_back({i, col, fmt::format("(u64)({})", temp).size(), x, y});
    }
    auto a = assignment(line);
    if (!a) continue;
    std::string lhs(a->lhs);
    // The exit condition, the body's last line: `<cond> = <iv_next> != <bound>;` (or `<`).
    if (i + 1 == body.size()) {
      if (lhs != cond || iv.empty() || iv_next.empty()) return std::nullopt;
      return exit_plan(a->rhs);
    }
    if (is_local(lhs)) {
      auto t = temps.find(a->rhs);
      bool step_write = a->op == "=" && t != temps.end() && t->second.b && t->second.a &&
                        t->second.a->text == lhs && t->second.b->is_constant;
      if (step_write && iv.empty() && !written.contains(lhs)) {
        iv = lhs;
        step = *constant(t->second.b->text);
        iv_next = std::string(a->rhs);
        iv_line = i;
      } else if (lhs == iv) {
        return std::nullopt;  // iv written twice
      }
      std::optional<Value> sum;
      if (!step_write && t != temps.end() && t->second.b && t->second.a->text != lhs &&
          t->second.b->text != lhs) {
        sum = t->second;
      }
      written.insert(lhs);
      forget_local(lhs);  // (t may be gone now)
      if (sum) sums_in_locals[lhs] = *sum;
      continue;
    }
    if (!is_temp(lhs)) continue;
    if (lhs == iv_next) iv_next.clear();
    if (auto sum = sums_in_locals.find(a->rhs); a->op == "=" && sum != sums_in_locals.end()) {
      temps[lhs] = sum->second;
    } else if (a->op == "=" && (is_local(a->rhs) || constant(a->rhs))) {
      temps[lhs] = Value{Operand{std::string(a->rhs), constant(a->rhs).has_value()}, {}};
    } else if (a->op == "+=" && temps.contains(lhs) && temps.contains(a->rhs) && !temps[lhs].b &&
               !temps[std::string(a->rhs)].b) {
      Value& v = temps[lhs];
      v.b = temps[std::string(a->rhs)].a;
      if (v.a->is_constant) std::swap(v.a, v.b);  // the local first
      if (v.a->is_constant) temps.erase(lhs);     // two constants: not an address sum
    } else {
      temps.erase(lhs);
    }
  }
  return std::nullopt;
}

bool is_control(std::string_view line) {
  return line.find("goto") != std::string_view::npos || line.find(':') != std::string_view::npos ||
         line.find('{') != std::string_view::npos || line.find('}') != std::string_view::npos ||
         line.find("return") != std::string_view::npos ||
         line.find("FUNC_") != std::string_view::npos;
}

}  // namespace

void version_counted_loops(std::string& source) {
  std::vector<std::string_view> lines;
  for (size_t pos = 0; pos < source.size();) {
    size_t end = source.find('\n', pos);
    if (end == std::string::npos) end = source.size();
    lines.emplace_back(source.data() + pos, end - pos);
    pos = end + 1;
  }
  struct Edit {
    size_t label_line, latch_line;
    std::string before, after;
  };
  std::vector<Edit> edits;
  for (size_t i = 0; i < lines.size(); ++i) {
    std::string_view label = trim(lines[i]);
    if (!label.starts_with("w2c_L") || !label.ends_with(":")) continue;
    label.remove_suffix(1);
    if (!digits_after(label, "w2c_L")) continue;
    size_t j = i + 1;
    while (j < lines.size() && !is_control(lines[j])) ++j;
    if (j >= lines.size()) break;
    // The latch: `if (<cond>) {goto <label>;}`.
    std::string_view latch = trim(lines[j]);
    std::string tail = fmt::format(") {{goto {};}}", label);
    if (!latch.starts_with("if (") || !latch.ends_with(tail)) continue;
    std::string_view cond = latch.substr(4, latch.size() - 4 - tail.size());
    if (!is_temp(cond)) continue;
    std::vector<std::string_view> body(lines.begin() + static_cast<ptrdiff_t>(i) + 1,
                                       lines.begin() + static_cast<ptrdiff_t>(j));
    for (auto& l : body) l = trim(l);
    auto plan = plan_loop(body, cond);
    if (!plan) continue;

    std::string fast = fmt::format("{}_wl", label);
    std::string before = fmt::format("if ({}) {{\n{}: \n", plan->check, fast);
    size_t next = 0;
    for (size_t k = 0; k < body.size(); ++k) {
      std::string text(body[k]);
      if (next < plan->rewrites.size() && plan->rewrites[next].line == k) {
        const Rewrite& r = plan->rewrites[next++];
        text.replace(r.column, r.length, r.replacement);
      }
      before += text + "\n";
    }
    before += fmt::format("if ({}) {{goto {};}}\ngoto {}_end;\n}}\n", cond, fast, fast);
    edits.push_back({i, j, std::move(before), fmt::format("{}_end:;\n", fast)});
    i = j;
  }
  if (edits.empty()) return;
  std::string out;
  out.reserve(source.size() + edits.size() * 512);
  size_t e = 0;
  for (size_t i = 0; i < lines.size(); ++i) {
    if (e < edits.size() && edits[e].label_line == i) out += edits[e].before;
    out.append(lines[i]);
    if (i + 1 < lines.size() || source.ends_with('\n')) out += '\n';
    if (e < edits.size() && edits[e].latch_line == i) out += edits[e++].after;
  }
  source = std::move(out);
}

}  // namespace wasmlet::engine
