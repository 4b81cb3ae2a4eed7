#pragma once
// The JSONPath subset the States Language uses: `$`, `.name`, `['name']`, `[N]`, `[*]`, `.*`
// and `..name`. Selection and assignment are iterative, so hostile data or paths cannot
// exhaust the stack; JSON texts are parsed only up to a bounded nesting depth (dumping and
// copying nlohmann values recurse).
#include <cstddef>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/error.h"

namespace wasmlet::workflow {

using Json = nlohmann::json;

// How deep JSON a definition or a step's data may nest.
inline constexpr size_t kMaxJsonDepth = 512;
// The largest value a path, template or ResultPath may make, as compact JSON text (about): a
// definition of a few states that copy their input twice each would otherwise double it at
// every state, to terabytes. Parsed JSON takes several times its text in memory; AWS Step
// Functions allows 256 KiB per payload.
inline constexpr size_t kMaxValueBytes = size_t{16} << 20;
// How many values one path may select (descent from every match of an earlier descent
// multiplies them).
inline constexpr size_t kMaxSelected = size_t{1} << 20;

// A field of a definition that is invalid; what() is the problem (the definition's parser
// adds the state).
class FieldError : public Error {
 public:
  using Error::Error;
};

// Data a path, template or rule cannot apply to at run time (a run fails with States.Runtime).
class DataError : public Error {
 public:
  using Error::Error;
};

// Parses JSON text nested at most kMaxJsonDepth deep. Throws DataError with the parser's
// message (which gives the position).
Json parse_json(std::string_view text);
// Compact JSON text; invalid UTF-8 in strings is replaced rather than thrown on.
std::string dump_json(const Json& value);
// About the length of `value` as compact JSON text (strings without their escapes, every
// number or literal as 8 bytes); counting stops once past `limit`, so it costs no more than
// `limit` bytes' worth of the value.
size_t json_size_at_most(const Json& value, size_t limit);

class JsonPath {
 public:
  struct Segment {
    enum class Kind { Name, Index, Wildcard, Descent };
    Kind kind = Kind::Name;
    std::string name;  // Name; Descent: the name looked for, empty for `..*`
    size_t index = 0;  // Index
  };

  JsonPath() = default;  // `$`
  // Throws FieldError naming the path and what is wrong with it.
  static JsonPath parse(std::string_view text);

  const std::string& text() const { return text_; }
  bool is_root() const { return segments_.empty(); }
  // Without wildcards or descent: the path names at most one value.
  bool is_reference() const { return reference_; }

  // What the path selects in `doc`. A reference path: the value, or nullopt when absent. A path
  // with wildcards or descent: an array of every match (possibly empty). Throws DataError
  // past kMaxSelected matches, or when the array of them would pass kMaxValueBytes.
  std::optional<Json> select(const Json& doc) const;
  // Writes `value` at this reference path in `doc`, creating the objects on the way (ResultPath).
  // Throws DataError where a step meets a value it cannot go into.
  void assign(Json& doc, Json value) const;

 private:
  std::string text_ = "$";
  std::vector<Segment> segments_;
  bool reference_ = true;
};

}  // namespace wasmlet::workflow
