#pragma once
// A Choice state's rules: comparisons of a variable (String*, Numeric*, Boolean*, Timestamp*,
// each with a *Path variant; StringMatches; Is* type tests) combined by And, Or and Not.
#include <cstddef>
#include <string>
#include <vector>

#include "workflow/json_path.h"

namespace wasmlet::workflow {

class ChoiceRule {
 public:
  // How deep And/Or/Not may nest.
  static constexpr size_t kMaxDepth = 32;

  // A rule of Choices (top-level: needs Next) or nested inside And/Or/Not (must have none).
  // Throws FieldError with the problem.
  static ChoiceRule parse(const Json& spec, bool top_level, size_t depth = 0);

  // Throws DataError when the variable (or a *Path value) is absent, except for IsPresent.
  bool matches(const Json& input) const;
  const std::string& next() const { return next_; }

  enum class Op { And, Or, Not, Compare };
  enum class Type {
    String,
    Numeric,
    Boolean,
    Timestamp,
    Matches,
    Present,
    Null,
    IsNumeric,
    IsString,
    IsBoolean,
    IsTimestamp
  };
  enum class Relation { Equals, LessThan, GreaterThan, LessThanEquals, GreaterThanEquals };

 private:
  bool compare(const Json& input) const;

  Op op_ = Op::Compare;
  std::vector<ChoiceRule> children_;
  JsonPath variable_;
  Type type_ = Type::String;
  Relation relation_ = Relation::Equals;
  Json value_;  // the operand, when not a path
  bool value_is_path_ = false;
  JsonPath value_path_;
  std::string next_;
};

// Whether `text` matches a StringMatches pattern: '*' matches any run of characters, "\*" and
// "\\" a literal '*' and '\'.
bool string_matches(std::string_view text, std::string_view pattern);

}  // namespace wasmlet::workflow
