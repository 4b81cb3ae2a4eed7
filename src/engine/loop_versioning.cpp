#include "engine/loop_versioning.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string_view>
#include <vector>

#include "engine/c_syntax.h"

// Why the copy is exact (docs/engine.md, "Loop versioning", says the same at more length).
//
// wasm computes an address as i32 sums, each modulo 2^32, zero-extended, plus the static offset.
// The copy computes the sum of its terms in 64 bits instead: `(u64)p + (u64)x + K`. That is the
// same number whenever the true sum is below 2^32 (the terms are all >= 0, so no partial sum
// wraps either). The loop has one counter c (`c += Cc`, then `br_if c != B` or `c <u B`, B not
// written in the body). The copy is entered only when, at the loop's entry, c < B and
//   `!=`: (B - c) % Cc == 0. Then c takes the values c0 + k*Cc <= B - Cc, never wrapping, and
//        the loop runs exactly N = (B - c0) / Cc times;
//   `<`:  B + Cc <= 2^32. Every iteration starts with c < B (the first by the check, the others
//        by the latch) so c + Cc < 2^32 never wraps, and the loop runs N = ceil((B - c0) / Cc)
//        times;
// and, for every rewritten address, the sum of its terms at their largest is below 2^32: an
// invariant term x (not written in the body) counts as itself; a term p written once in the
// body, as `p += Cp` after the access, counts as p0 + (N - 1) * Cp, its value in the last
// iteration (the same bound shows p itself never wraps before then). The body has no other way
// in or out (no labels, gotos or blocks): a trap ends it, but then no later access happens in
// either version. So at every rewritten access of every iteration the 64-bit sum is the wasm
// address, and each access reads or writes what the original loop would, traps included; the
// rest of the copy is the body unchanged.

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

// What the analysis knows an i32 temporary (or a local the body set) holds: the sum, without
// wrapping, of some locals and a constant, as far as the body has computed it so far.
struct Value {
  std::vector<std::string> locals;
  uint64_t constant = 0;
  bool operator==(const Value&) const = default;
};

constexpr size_t kMaxTerms = 4;
// Steps up to 2^24 and counts below 2^32 keep every bound the check computes below 2^56 per
// term, so its 64-bit sums of at most kMaxTerms terms cannot overflow.
constexpr uint64_t kMaxStep = uint64_t{1} << 24;

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
  // Locals the body has set to a sum (wasm's local.tee of an address), while that sum holds.
  std::map<std::string, Value, std::less<>> sums_in_locals;
  std::map<std::string, size_t, std::less<>> writes;  // locals the body writes, how often
  struct Step {
    uint64_t step;
    size_t line;       // of the write
    std::string next;  // the temporary holding the new value, while it does
  };
  std::map<std::string, Step, std::less<>> steps;  // locals written once, as `l = l + C`
  struct Candidate {
    size_t line, column, length;
    Value address;
  };
  std::vector<Candidate> candidates;

  auto forget_local = [&](std::string_view local) {
    for (auto* values : {&temps, &sums_in_locals}) {
      for (auto it = values->begin(); it != values->end();) {
        const auto& ls = it->second.locals;
        bool uses = it->first == local || std::find(ls.begin(), ls.end(), local) != ls.end();
        it = uses ? values->erase(it) : std::next(it);
      }
    }
  };
  auto value_of = [&](std::string_view operand) -> std::optional<Value> {
    if (auto t = temps.find(operand); t != temps.end()) return t->second;
    if (auto l = sums_in_locals.find(operand); l != sums_in_locals.end()) return l->second;
    if (is_local(operand)) return Value{{std::string(operand)}, 0};
    if (auto c = constant(operand)) return Value{{}, *c};
    return std::nullopt;
  };

  // The plan once the body is read, from the exit condition's right-hand side.
  auto exit_plan = [&](std::string_view rhs) -> std::optional<Plan> {
    // `<next> != <bound>` either way round, `<next> < <bound>` or `<bound> > <next>`.
    size_t sp1 = rhs.find(' ');
    if (sp1 == std::string_view::npos) return std::nullopt;
    size_t sp2 = rhs.find(' ', sp1 + 1);
    if (sp2 == std::string_view::npos) return std::nullopt;
    std::string_view left = rhs.substr(0, sp1), op = rhs.substr(sp1 + 1, sp2 - sp1 - 1);
    std::string_view right = rhs.substr(sp2 + 1);
    const std::string* counter = nullptr;
    std::string_view bound_temp;
    for (const auto& [local, step] : steps) {
      if (step.next.empty()) continue;
      if (step.next == left && (op == "!=" || op == "<")) {
        counter = &local, bound_temp = right;
      } else if (step.next == right && (op == "!=" || op == ">")) {
        counter = &local, bound_temp = left;
      }
    }
    if (counter == nullptr || !is_temp(bound_temp)) return std::nullopt;
    auto b = temps.find(bound_temp);
    if (b == temps.end()) return std::nullopt;
    std::string bound;
    if (b->second.locals.empty()) {
      bound = fmt::format("{}u", b->second.constant);
    } else if (b->second.locals.size() == 1 && b->second.constant == 0 &&
               !writes.contains(b->second.locals[0])) {
      bound = b->second.locals[0];
    } else {
      return std::nullopt;
    }
    const std::string& c = *counter;
    const uint64_t cstep = steps.at(c).step;
    if (writes.at(c) != 1 || cstep > kMaxStep) return std::nullopt;
    // The iteration count, in u64, once the check below has held.
    std::string distance = fmt::format("(u64)(u32)({} - {})", bound, c);
    std::string count = op == "!=" ? fmt::format("{} / {}u", distance, cstep)
                                   : fmt::format("({} + {}u) / {}u", distance, cstep - 1, cstep);

    // The largest address of each set of terms: the terms at their last iteration's values, plus
    // the largest constant added to them.
    std::map<std::string, uint64_t> limits;
    std::vector<Rewrite> rewrites;
    for (const Candidate& cand : candidates) {
      std::vector<std::string> maxima, terms;
      bool usable = true;
      for (const std::string& term : cand.address.locals) {
        terms.push_back(fmt::format("(u64){}", term));
        auto st = steps.find(term);
        if (st != steps.end() && writes.at(term) == 1 && cand.line < st->second.line &&
            st->second.step <= kMaxStep) {
          maxima.push_back(fmt::format("(u64){} + ({} - 1) * {}u", term, count, st->second.step));
        } else if (!writes.contains(term)) {
          maxima.push_back(fmt::format("(u64){}", term));
        } else {
          usable = false;
        }
      }
      if (!usable) continue;
      std::sort(maxima.begin(), maxima.end());
      auto [it, fresh] = limits.emplace(fmt::format("{}", fmt::join(maxima, " + ")), 0);
      it->second = std::max(it->second, cand.address.constant);
      std::string sum = fmt::format("{}", fmt::join(terms, " + "));
      if (cand.address.constant != 0) sum += fmt::format(" + {}u", cand.address.constant);
      rewrites.push_back({cand.line, cand.column, cand.length, fmt::format("({})", sum)});
    }
    if (rewrites.empty()) return std::nullopt;
    std::string check = fmt::format("{} < {}", c, bound);
    if (op == "!=") {
      check += fmt::format(" && (u32)({} - {}) % {}u == 0", bound, c, cstep);
    } else {
      check += fmt::format(" && (u64){} + {}u <= 0x100000000ull", bound, cstep);
    }
    for (const auto& [max, constant] : limits) {
      check += fmt::format(" && {}{} <= 0xffffffffull", max,
                           constant != 0 ? fmt::format(" + {}u", constant) : "");
    }
    return Plan{check, std::move(rewrites)};
  };

  for (size_t i = 0; i < body.size(); ++i) {
    std::string_view line = body[i];
    // Address arguments first: the line's own assignment happens after its load.
    for (const auto& [temp, value] : temps) {
      if (value.locals.empty() || value.locals.size() + (value.constant != 0) < 2) continue;
      size_t col = address_argument(line, temp);
      if (col == std::string_view::npos) continue;
      candidates.push_back({i, col, fmt::format("(u64)({})", temp).size(), value});
    }
    auto a = assignment(line);
    if (!a) continue;
    std::string lhs(a->lhs);
    // The exit condition, the body's last line.
    if (i + 1 == body.size()) {
      if (lhs != cond) return std::nullopt;
      return exit_plan(a->rhs);
    }
    if (is_local(lhs)) {
      auto v = a->op == "=" ? value_of(a->rhs) : std::nullopt;
      bool step = v && v->locals.size() == 1 && v->locals[0] == lhs && v->constant != 0 &&
                  !writes.contains(lhs);
      if (step) steps[lhs] = Step{v->constant, i, std::string(a->rhs)};
      ++writes[lhs];
      forget_local(lhs);
      bool uses_itself = v && std::find(v->locals.begin(), v->locals.end(), lhs) != v->locals.end();
      if (v && !uses_itself && v->locals.size() + (v->constant != 0) >= 2) sums_in_locals[lhs] = *v;
      continue;
    }
    if (!is_temp(lhs)) continue;
    for (auto& [local, step] : steps) {
      if (step.next == lhs) step.next.clear();
    }
    std::optional<Value> v;
    if (a->op == "=") {
      v = value_of(a->rhs);
    } else if (a->op == "+=" && temps.contains(lhs)) {
      auto r = value_of(a->rhs);
      if (r) {
        v = temps[lhs];
        v->locals.insert(v->locals.end(), r->locals.begin(), r->locals.end());
        v->constant += r->constant;
        if (v->locals.size() > kMaxTerms || v->constant > UINT32_MAX) v.reset();
      }
    }
    if (v) {
      temps[lhs] = *v;
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
  std::vector<std::string_view> lines = split_lines(source);
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
