#include "engine/nan_quieting.h"

#include <cctype>
#include <cmath>
#include <cstdlib>
#include <unordered_set>

namespace wasmlet::engine {
namespace {

bool is_ident_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

// `w2c_f12` or `w2c_d3`: a float temporary of wasm2c's operand stack.
bool is_float_temp(std::string_view s) {
  if (s.size() < 6 || !s.starts_with("w2c_") || (s[4] != 'f' && s[4] != 'd')) return false;
  for (char c : s.substr(5)) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

// 0, -0, 1 or -1 written as a C floating or integer literal ("-0.f", "1", "-0.0").
bool is_foldable_constant(std::string_view literal) {
  std::string text(literal);
  if (!text.empty() && (text.back() == 'f' || text.back() == 'F')) text.pop_back();
  if (text.empty() || text.size() > 32) return false;
  char* end = nullptr;
  double v = std::strtod(text.c_str(), &end);
  if (end != text.c_str() + text.size()) return false;
  return v == 0.0 || std::fabs(v) == 1.0;
}

struct Statement {
  std::string_view target;
  char op = 0;  // 0 for plain '=', else one of + - * /
  std::string_view value;
};

bool is_identifier(std::string_view s) {
  if (s.empty() || std::isdigit(static_cast<unsigned char>(s[0]))) return false;
  for (char c : s) {
    if (!is_ident_char(c)) return false;
  }
  return true;
}

// `target = value;` or `target op= value;` with a bare identifier as target, or a float local's
// declaration (`f64 w2c_l1 = 0;`), which is an assignment too.
bool parse_assignment(std::string_view line, Statement& out) {
  line = trim(line);
  if (!line.ends_with(';')) return false;
  line.remove_suffix(1);
  if (line.starts_with("f32 ") || line.starts_with("f64 ")) line = trim(line.substr(4));
  size_t name_end = 0;
  while (name_end < line.size() && is_ident_char(line[name_end])) ++name_end;
  if (name_end == 0) return false;
  out.target = line.substr(0, name_end);
  std::string_view rest = trim(line.substr(name_end));
  if (rest.size() >= 2 && rest[1] == '=' &&
      std::string_view("+-*/").find(rest[0]) != std::string_view::npos) {
    out.op = rest[0];
    rest.remove_prefix(2);
  } else if (!rest.empty() && rest[0] == '=' && (rest.size() == 1 || rest[1] != '=')) {
    out.op = 0;
    rest.remove_prefix(1);
  } else {
    return false;
  }
  out.value = trim(rest);
  return !out.value.empty();
}

// `var` read through the asm, typed as the float temporary `like`.
std::string opaque(std::string_view var, std::string_view like) {
  return (like[4] == 'f' ? "wl_opaque_f32(" : "wl_opaque_f64(") + std::string(var) + ")";
}

}  // namespace

std::string_view nan_quieting_prelude() {
  return R"(
/* Wasmlet: a float the C compiler cannot see (keeps NaN quieting, see nan_quieting.h). */
#if defined(__x86_64__) || defined(__i386__)
#define WL_OPAQUE_FLOAT_REG "+x"
#elif defined(__aarch64__)
#define WL_OPAQUE_FLOAT_REG "+w"
#else
#define WL_OPAQUE_FLOAT_REG "+m"
#endif
static inline f32 wl_opaque_f32(f32 v) { __asm__("" : WL_OPAQUE_FLOAT_REG(v)); return v; }
static inline f64 wl_opaque_f64(f64 v) { __asm__("" : WL_OPAQUE_FLOAT_REG(v)); return v; }
)";
}

void keep_nan_quieting(std::string& source) {
  std::unordered_set<std::string> holds_constant;
  std::string out;
  out.reserve(source.size() + source.size() / 64);
  for (size_t pos = 0; pos < source.size();) {
    size_t end = source.find('\n', pos);
    if (end == std::string::npos) end = source.size();
    std::string_view line(source.data() + pos, end - pos);
    std::string rewritten;
    Statement st;
    // Temporaries are per function; functions start and end at column 0.
    if (!line.empty() && line[0] != ' ' && line[0] != '\t') holds_constant.clear();
    if (parse_assignment(line, st)) {
      std::string target(st.target);
      if (st.op == 0) {
        // A constant reaches temporaries and locals by copies too.
        bool constant = is_foldable_constant(st.value) ||
                        (is_identifier(st.value) && holds_constant.contains(std::string(st.value)));
        if (constant) {
          holds_constant.insert(target);
        } else {
          holds_constant.erase(target);
        }
      } else {
        bool value_constant =
            is_identifier(st.value) && holds_constant.contains(std::string(st.value));
        bool target_constant = holds_constant.contains(target);
        if (is_float_temp(st.target) && (value_constant || target_constant)) {
          size_t indent = line.find_first_not_of(" \t");
          std::string lhs = target_constant ? opaque(st.target, st.target) : target;
          std::string rhs = value_constant ? opaque(st.value, st.target) : std::string(st.value);
          rewritten.assign(line.substr(0, indent));
          rewritten.append(target).append(" = ").append(lhs).append(" ");
          rewritten.append(1, st.op).append(" ").append(rhs).append(";");
        }
        holds_constant.erase(target);
      }
    }
    out += rewritten.empty() ? line : std::string_view(rewritten);
    if (end < source.size()) out += '\n';
    pos = end + 1;
  }
  source = std::move(out);
}

}  // namespace wasmlet::engine
