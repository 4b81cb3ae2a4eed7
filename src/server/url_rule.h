#pragma once
// A Werkzeug URL rule ("/users/<int:id>", "/files/<path:name>"), matched in C++ so that Wasmlet
// picks a web app endpoint's Faaslet without a Python process in the request path. The guest's
// Flask routes the request again with the real rule, so a match here only chooses which
// endpoint's Faaslet serves it; what Werkzeug answers for anything unmatched (404, 405, a
// trailing-slash redirect) comes from the app's fallback function.
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "util/error.h"

namespace wasmlet::server {

class RuleError : public Error {
 public:
  using Error::Error;
};

// Bounds on what an app's manifest may hold per rule.
inline constexpr size_t kMaxRuleBytes = 4096;
inline constexpr size_t kMaxAnyChoices = 1024;

class UrlRule {
 public:
  // Throws RuleError for a rule that is not a path with <converter(args):name> parts, or past
  // the bounds above.
  explicit UrlRule(std::string_view rule);

  // Whether the percent-decoded path (without the app's prefix) matches. Each step of the match
  // (a converter tried at a place, an any() choice compared) takes one from `budget`, which the
  // rules of one request share; a rule that runs out of it does not match.
  bool matches(std::string_view path, size_t& budget) const;
  // The same with a budget of its own.
  bool matches(std::string_view path) const;
  bool is_static() const { return parts_.size() <= 1 && (parts_.empty() || parts_[0].literal); }
  const std::string& text() const { return text_; }

 private:
  enum class Converter { String, Int, Float, Path, Uuid, Any };
  struct Part {
    bool literal = false;
    std::string text;  // a literal's text
    Converter converter = Converter::String;
    bool is_signed = false;            // int/float(signed=True)
    std::vector<std::string> choices;  // any(a, b)
  };

  // The length of each way part `part` can match at `pos` (longest first, for paths).
  bool match_from(size_t part, std::string_view path, size_t pos, size_t& budget) const;
  static size_t match_number(const Part& p, std::string_view rest);

  std::string text_;
  std::vector<Part> parts_;
};

}  // namespace wasmlet::server
