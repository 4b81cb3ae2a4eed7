#include "server/url_rule.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

namespace wasmlet::server {

namespace {

// A pathological rule (several path converters, long any() lists) could backtrack for long: past
// this many steps the rule does not match, and the fallback function (real Werkzeug) routes
// the request.
constexpr size_t kMatchBudget = 4096;

std::string_view trim(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

std::string unquote(std::string_view s) {
  s = trim(s);
  if (s.size() >= 2 && (s.front() == '\'' || s.front() == '"') && s.back() == s.front()) {
    s = s.substr(1, s.size() - 2);
  }
  return std::string(s);
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_hex(char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; }

}  // namespace

UrlRule::UrlRule(std::string_view rule) : text_(rule) {
  if (rule.size() > kMaxRuleBytes) {
    throw RuleError(fmt::format("a rule is longer than {} bytes", kMaxRuleBytes));
  }
  if (!rule.starts_with('/')) throw RuleError(fmt::format("rule '{}' does not start with /", rule));
  size_t pos = 0;
  while (pos < rule.size()) {
    size_t open = rule.find('<', pos);
    if (open != pos) {
      Part literal;
      literal.literal = true;
      literal.text = std::string(rule.substr(pos, open - pos));
      parts_.push_back(std::move(literal));
      if (open == std::string_view::npos) break;
    }
    size_t close = rule.find('>', open);
    if (close == std::string_view::npos) {
      throw RuleError(fmt::format("rule '{}' has an unclosed '<'", rule));
    }
    std::string_view var = rule.substr(open + 1, close - open - 1);
    Part part;
    size_t colon = var.find(':');
    std::string_view converter = colon == std::string_view::npos ? "" : var.substr(0, colon);
    std::string_view args;
    if (size_t paren = converter.find('('); paren != std::string_view::npos) {
      if (!converter.ends_with(')')) {
        throw RuleError(fmt::format("rule '{}': bad converter arguments", rule));
      }
      args = converter.substr(paren + 1, converter.size() - paren - 2);
      converter = converter.substr(0, paren);
    }
    if (converter == "int") {
      part.converter = Converter::Int;
    } else if (converter == "float") {
      part.converter = Converter::Float;
    } else if (converter == "path") {
      part.converter = Converter::Path;
    } else if (converter == "uuid") {
      part.converter = Converter::Uuid;
    } else if (converter == "any") {
      part.converter = Converter::Any;
      while (!args.empty()) {
        size_t comma = args.find(',');
        part.choices.push_back(unquote(args.substr(0, comma)));
        if (part.choices.size() > kMaxAnyChoices) {
          throw RuleError(
              fmt::format("rule '{}': any() has more than {} choices", rule, kMaxAnyChoices));
        }
        if (comma == std::string_view::npos) break;
        args.remove_prefix(comma + 1);
      }
    } else {
      // "string", the default and an app's own converters: one path segment. The guest's
      // Werkzeug applies the real converter.
      part.converter = Converter::String;
    }
    if ((part.converter == Converter::Int || part.converter == Converter::Float) &&
        args.find("signed=True") != std::string_view::npos) {
      part.is_signed = true;
    }
    parts_.push_back(std::move(part));
    pos = close + 1;
  }
}

size_t UrlRule::match_number(const Part& p, std::string_view rest) {
  size_t i = 0;
  if (p.is_signed && i < rest.size() && rest[i] == '-') ++i;
  size_t digits = i;
  while (i < rest.size() && is_digit(rest[i])) ++i;
  if (i == digits) return 0;
  if (p.converter == Converter::Float) {
    if (i >= rest.size() || rest[i] != '.') return 0;
    size_t frac = ++i;
    while (i < rest.size() && is_digit(rest[i])) ++i;
    if (i == frac) return 0;
  }
  return i;
}

bool UrlRule::match_from(size_t part, std::string_view path, size_t pos, size_t& budget) const {
  if (budget == 0) return false;
  --budget;
  if (part == parts_.size()) return pos == path.size();
  const Part& p = parts_[part];
  std::string_view rest = path.substr(pos);
  if (p.literal) {
    return rest.starts_with(p.text) && match_from(part + 1, path, pos + p.text.size(), budget);
  }
  switch (p.converter) {
    case Converter::Int:
    case Converter::Float: {
      size_t n = match_number(p, rest);
      return n > 0 && match_from(part + 1, path, pos + n, budget);
    }
    case Converter::Uuid: {
      constexpr std::string_view shape = "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx";
      if (rest.size() < shape.size()) return false;
      for (size_t i = 0; i < shape.size(); ++i) {
        if (shape[i] == '-' ? rest[i] != '-' : !is_hex(rest[i])) return false;
      }
      return match_from(part + 1, path, pos + shape.size(), budget);
    }
    case Converter::Any:
      for (const auto& choice : p.choices) {
        if (budget == 0) return false;
        --budget;
        if (!choice.empty() && rest.starts_with(choice) &&
            match_from(part + 1, path, pos + choice.size(), budget)) {
          return true;
        }
      }
      return false;
    case Converter::String: {
      size_t end = rest.find('/');
      size_t longest = end == std::string_view::npos ? rest.size() : end;
      for (size_t n = longest; n >= 1; --n) {
        if (match_from(part + 1, path, pos + n, budget)) return true;
      }
      return false;
    }
    case Converter::Path: {
      if (rest.empty() || rest.front() == '/') return false;
      for (size_t n = rest.size(); n >= 1; --n) {
        if (match_from(part + 1, path, pos + n, budget)) return true;
      }
      return false;
    }
  }
  return false;
}

bool UrlRule::matches(std::string_view path, size_t& budget) const {
  size_t own = std::min(budget, kMatchBudget);
  size_t given = own;
  bool matched = match_from(0, path, 0, own);
  budget -= given - own;
  return matched;
}

bool UrlRule::matches(std::string_view path) const {
  size_t budget = kMatchBudget;
  return matches(path, budget);
}

}  // namespace wasmlet::server
