#include "workflow/choice.h"

#include <fmt/format.h>

#include <map>
#include <tuple>

#include "workflow/timestamp.h"

namespace wasmlet::workflow {
namespace {

using Type = ChoiceRule::Type;
using Relation = ChoiceRule::Relation;

struct Comparator {
  Type type;
  Relation relation;
  bool path;
};

std::map<std::string, Comparator, std::less<>> make_comparators() {
  std::map<std::string, Comparator, std::less<>> table;
  const std::pair<const char*, Relation> relations[] = {
      {"Equals", Relation::Equals},
      {"LessThan", Relation::LessThan},
      {"GreaterThan", Relation::GreaterThan},
      {"LessThanEquals", Relation::LessThanEquals},
      {"GreaterThanEquals", Relation::GreaterThanEquals}};
  const std::pair<const char*, Type> ordered[] = {
      {"String", Type::String}, {"Numeric", Type::Numeric}, {"Timestamp", Type::Timestamp}};
  for (const auto& [prefix, type] : ordered) {
    for (const auto& [name, relation] : relations) {
      table[std::string(prefix) + name] = {type, relation, false};
      table[std::string(prefix) + name + "Path"] = {type, relation, true};
    }
  }
  table["BooleanEquals"] = {Type::Boolean, Relation::Equals, false};
  table["BooleanEqualsPath"] = {Type::Boolean, Relation::Equals, true};
  table["StringMatches"] = {Type::Matches, Relation::Equals, false};
  const std::pair<const char*, Type> tests[] = {
      {"IsPresent", Type::Present},   {"IsNull", Type::Null},
      {"IsNumeric", Type::IsNumeric}, {"IsString", Type::IsString},
      {"IsBoolean", Type::IsBoolean}, {"IsTimestamp", Type::IsTimestamp}};
  for (const auto& [name, type] : tests) table[name] = {type, Relation::Equals, false};
  return table;
}

const std::map<std::string, Comparator, std::less<>>& comparators() {
  static const auto table = make_comparators();
  return table;
}

// Whether a literal operand has the type its comparator needs.
void check_operand(const std::string& name, Type type, const Json& value) {
  bool ok = false;
  switch (type) {
    case Type::String:
    case Type::Matches:
      ok = value.is_string();
      break;
    case Type::Numeric:
      ok = value.is_number();
      break;
    case Type::Timestamp:
      ok = value.is_string() && parse_timestamp(value.get_ref<const std::string&>());
      break;
    default:  // Boolean and the Is* tests
      ok = value.is_boolean();
      break;
  }
  if (!ok) {
    throw FieldError(fmt::format("{} needs {}", name,
                                 type == Type::Timestamp ? "an RFC 3339 timestamp"
                                 : type == Type::Numeric ? "a number"
                                 : (type == Type::String || type == Type::Matches) ? "a string"
                                                                                   : "a boolean"));
  }
}

template <class T>
bool relate(Relation relation, const T& a, const T& b) {
  switch (relation) {
    case Relation::Equals:
      return a == b;
    case Relation::LessThan:
      return a < b;
    case Relation::GreaterThan:
      return a > b;
    case Relation::LessThanEquals:
      return a <= b;
    case Relation::GreaterThanEquals:
      return a >= b;
  }
  return false;
}

// long double holds every int64 and uint64 exactly (64-bit mantissa on x86-64).
long double number(const Json& v) {
  if (v.is_number_unsigned()) return static_cast<long double>(v.get<uint64_t>());
  if (v.is_number_integer()) return static_cast<long double>(v.get<int64_t>());
  return static_cast<long double>(v.get<double>());
}

}  // namespace

bool string_matches(std::string_view text, std::string_view pattern) {
  // Pattern tokens: a literal character, or -1 for '*'.
  std::vector<int> tokens;
  for (size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] == '\\' && i + 1 < pattern.size()) {
      tokens.push_back(static_cast<unsigned char>(pattern[++i]));
    } else {
      tokens.push_back(pattern[i] == '*' ? -1 : static_cast<unsigned char>(pattern[i]));
    }
  }
  // Greedy with backtracking to the last '*': linear in practice, O(n*m) at worst.
  size_t t = 0, p = 0, star = std::string_view::npos, resume = 0;
  while (t < text.size()) {
    if (p < tokens.size() && tokens[p] == static_cast<unsigned char>(text[t])) {
      ++t;
      ++p;
    } else if (p < tokens.size() && tokens[p] == -1) {
      star = p++;
      resume = t;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      t = ++resume;
    } else {
      return false;
    }
  }
  while (p < tokens.size() && tokens[p] == -1) ++p;
  return p == tokens.size();
}

ChoiceRule ChoiceRule::parse(const Json& spec, bool top_level, size_t depth) {
  if (depth >= kMaxDepth) {
    throw FieldError(fmt::format("Choice rules nest deeper than {} levels", kMaxDepth));
  }
  if (!spec.is_object()) throw FieldError("a Choice rule must be an object");
  ChoiceRule rule;
  std::string comparator;
  bool has_variable = false;
  auto claim = [&comparator](const std::string& key) {
    if (!comparator.empty()) {
      throw FieldError(fmt::format("a rule has both {} and {}", comparator, key));
    }
    comparator = key;
  };
  for (const auto& [key, value] : spec.items()) {
    if (key == "Comment") continue;
    if (key == "Next") {
      if (!top_level) throw FieldError("a rule inside And, Or or Not has no Next");
      if (!value.is_string()) throw FieldError("Next must be a string");
      rule.next_ = value.get<std::string>();
    } else if (key == "Variable") {
      if (!value.is_string()) throw FieldError("Variable must be a path (a string)");
      rule.variable_ = JsonPath::parse(value.get_ref<const std::string&>());
      has_variable = true;
    } else if (key == "And" || key == "Or") {
      if (!value.is_array() || value.empty()) {
        throw FieldError(fmt::format("{} must be a non-empty array of rules", key));
      }
      claim(key);
      rule.op_ = key == "And" ? Op::And : Op::Or;
      for (const auto& child : value) rule.children_.push_back(parse(child, false, depth + 1));
    } else if (key == "Not") {
      claim(key);
      rule.op_ = Op::Not;
      rule.children_.push_back(parse(value, false, depth + 1));
    } else if (auto it = comparators().find(key); it != comparators().end()) {
      claim(key);
      rule.type_ = it->second.type;
      rule.relation_ = it->second.relation;
      rule.value_is_path_ = it->second.path;
      if (rule.value_is_path_) {
        if (!value.is_string()) throw FieldError(fmt::format("{} must be a path", key));
        rule.value_path_ = JsonPath::parse(value.get_ref<const std::string&>());
      } else {
        check_operand(key, rule.type_, value);
        rule.value_ = value;
      }
    } else {
      throw FieldError(fmt::format("unknown field '{}' in a Choice rule", key));
    }
  }
  if (comparator.empty()) throw FieldError("a Choice rule needs a comparison, And, Or or Not");
  if (top_level && rule.next_.empty()) throw FieldError("a Choice rule needs Next");
  bool boolean_op = rule.op_ != Op::Compare;
  if (boolean_op && has_variable) throw FieldError(fmt::format("{} takes no Variable", comparator));
  if (!boolean_op && !has_variable)
    throw FieldError(fmt::format("{} needs a Variable", comparator));
  return rule;
}

bool ChoiceRule::matches(const Json& input) const {
  switch (op_) {
    case Op::And:
      for (const auto& c : children_) {
        if (!c.matches(input)) return false;
      }
      return true;
    case Op::Or:
      for (const auto& c : children_) {
        if (c.matches(input)) return true;
      }
      return false;
    case Op::Not:
      return !children_.front().matches(input);
    case Op::Compare:
      return compare(input);
  }
  return false;
}

bool ChoiceRule::compare(const Json& input) const {
  auto variable = variable_.select(input);
  if (type_ == Type::Present) return variable.has_value() == value_.get<bool>();
  if (!variable) {
    throw DataError(fmt::format("Variable '{}' selects nothing in the input", variable_.text()));
  }
  const Json& v = *variable;
  switch (type_) {
    case Type::Null:
      return v.is_null() == value_.get<bool>();
    case Type::IsNumeric:
      return v.is_number() == value_.get<bool>();
    case Type::IsString:
      return v.is_string() == value_.get<bool>();
    case Type::IsBoolean:
      return v.is_boolean() == value_.get<bool>();
    case Type::IsTimestamp:
      return (v.is_string() && parse_timestamp(v.get_ref<const std::string&>())) ==
             value_.get<bool>();
    default:
      break;
  }
  std::optional<Json> selected;
  if (value_is_path_) {
    selected = value_path_.select(input);
    if (!selected) {
      throw DataError(fmt::format("'{}' selects nothing in the input", value_path_.text()));
    }
  }
  const Json& operand = value_is_path_ ? *selected : value_;
  switch (type_) {
    case Type::String:
      return v.is_string() && operand.is_string() &&
             relate(relation_, v.get_ref<const std::string&>(),
                    operand.get_ref<const std::string&>());
    case Type::Matches:
      return v.is_string() &&
             string_matches(v.get_ref<const std::string&>(), operand.get_ref<const std::string&>());
    case Type::Numeric:
      return v.is_number() && operand.is_number() && relate(relation_, number(v), number(operand));
    case Type::Boolean:
      return v.is_boolean() && operand.is_boolean() && v.get<bool>() == operand.get<bool>();
    case Type::Timestamp: {
      if (!v.is_string() || !operand.is_string()) return false;
      auto a = parse_timestamp(v.get_ref<const std::string&>());
      auto b = parse_timestamp(operand.get_ref<const std::string&>());
      return a && b && relate(relation_, *a, *b);
    }
    default:
      return false;
  }
}

}  // namespace wasmlet::workflow
