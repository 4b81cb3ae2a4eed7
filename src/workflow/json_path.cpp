#include "workflow/json_path.h"

#include <fmt/format.h>

#include <charconv>
#include <utility>

#include "util/json_nesting.h"

namespace wasmlet::workflow {
namespace {

bool is_name_char(char c) { return c != '.' && c != '[' && c != ']'; }

class PathParser {
 public:
  explicit PathParser(std::string_view text) : text_(text) {}

  std::vector<JsonPath::Segment> parse() {
    if (text_.empty() || text_[0] != '$') fail("a path starts with '$'");
    pos_ = 1;
    std::vector<JsonPath::Segment> segments;
    while (pos_ < text_.size()) {
      if (text_[pos_] == '.') {
        ++pos_;
        segments.push_back(pos_ < text_.size() && text_[pos_] == '.' ? descent() : dotted());
      } else if (text_[pos_] == '[') {
        ++pos_;
        segments.push_back(bracketed());
      } else {
        fail(fmt::format("unexpected '{}' at {}", text_[pos_], pos_));
      }
    }
    return segments;
  }

 private:
  [[noreturn]] void fail(const std::string& why) const {
    throw FieldError(fmt::format("invalid path '{}': {}", text_, why));
  }

  std::string name() {
    size_t start = pos_;
    while (pos_ < text_.size() && is_name_char(text_[pos_])) ++pos_;
    if (pos_ == start) fail(fmt::format("a name is missing at {}", start));
    return std::string(text_.substr(start, pos_ - start));
  }

  JsonPath::Segment dotted() {
    std::string n = name();
    if (n == "*") return {JsonPath::Segment::Kind::Wildcard, "", 0};
    return {JsonPath::Segment::Kind::Name, std::move(n), 0};
  }

  JsonPath::Segment descent() {
    ++pos_;
    std::string n = name();
    return {JsonPath::Segment::Kind::Descent, n == "*" ? "" : std::move(n), 0};
  }

  JsonPath::Segment bracketed() {
    if (pos_ >= text_.size()) fail("unclosed '['");
    JsonPath::Segment segment;
    char c = text_[pos_];
    if (c == '*') {
      ++pos_;
      segment.kind = JsonPath::Segment::Kind::Wildcard;
    } else if (c == '\'' || c == '"') {
      segment.name = quoted(c);
    } else {
      const char* begin = text_.data() + pos_;
      const char* end = text_.data() + text_.size();
      auto [ptr, ec] = std::from_chars(begin, end, segment.index);
      if (ec != std::errc() || ptr == begin) fail(fmt::format("expected an index at {}", pos_));
      pos_ += static_cast<size_t>(ptr - begin);
      segment.kind = JsonPath::Segment::Kind::Index;
    }
    if (pos_ >= text_.size() || text_[pos_] != ']') fail("unclosed '['");
    ++pos_;
    return segment;
  }

  std::string quoted(char quote) {
    ++pos_;
    std::string out;
    while (pos_ < text_.size() && text_[pos_] != quote) {
      if (text_[pos_] == '\\' && pos_ + 1 < text_.size()) ++pos_;
      out += text_[pos_++];
    }
    if (pos_ >= text_.size()) fail("unclosed quote");
    ++pos_;
    return out;
  }

  std::string_view text_;
  size_t pos_ = 0;
};

// Every value below `root` (not root itself), in document order, without recursion.
std::vector<const Json*> descendants(const Json& root) {
  std::vector<const Json*> out;
  std::vector<const Json*> stack{&root};
  while (!stack.empty()) {
    const Json* node = stack.back();
    stack.pop_back();
    if (node != &root) out.push_back(node);
    if (!node->is_structured()) continue;
    // Reversed, so that the stack pops children in order.
    for (auto it = node->rbegin(); it != node->rend(); ++it) stack.push_back(&*it);
  }
  return out;
}

void step(const JsonPath::Segment& segment, const Json& node, std::vector<const Json*>& out) {
  using Kind = JsonPath::Segment::Kind;
  switch (segment.kind) {
    case Kind::Name:
      if (node.is_object()) {
        auto it = node.find(segment.name);
        if (it != node.end()) out.push_back(&*it);
      }
      break;
    case Kind::Index:
      if (node.is_array() && segment.index < node.size()) out.push_back(&node[segment.index]);
      break;
    case Kind::Wildcard:
      if (node.is_structured()) {
        for (const auto& child : node) out.push_back(&child);
      }
      break;
    case Kind::Descent:
      for (const Json* d : descendants(node)) {
        if (segment.name.empty()) {
          out.push_back(d);
        } else if (d->is_object()) {
          auto it = d->find(segment.name);
          if (it != d->end()) out.push_back(&*it);
        }
      }
      break;
  }
}

}  // namespace

Json parse_json(std::string_view text) {
  if (util::json_nesting_depth(text, kMaxJsonDepth) > kMaxJsonDepth) {
    throw DataError(fmt::format("JSON nested deeper than {} levels", kMaxJsonDepth));
  }
  try {
    return Json::parse(text);
  } catch (const Json::exception& e) {  // parse_error, and out_of_range for numbers like 1e999
    throw DataError(fmt::format("invalid JSON: {}", e.what()));
  }
}

std::string dump_json(const Json& value) {
  return value.dump(-1, ' ', false, Json::error_handler_t::replace);
}

size_t json_size_at_most(const Json& value, size_t limit) {
  size_t total = 0;
  std::vector<const Json*> todo{&value};
  while (!todo.empty() && total <= limit) {
    const Json* v = todo.back();
    todo.pop_back();
    switch (v->type()) {
      case Json::value_t::object:
        total += 2;
        for (auto it = v->begin(); it != v->end(); ++it) {
          total += it.key().size() + 4;  // quotes, colon, comma
          todo.push_back(&it.value());
        }
        break;
      case Json::value_t::array:
        total += 2;
        for (const auto& child : *v) {
          total += 1;
          todo.push_back(&child);
        }
        break;
      case Json::value_t::string:
        total += v->get_ref<const std::string&>().size() + 2;
        break;
      case Json::value_t::binary:
        total += v->get_binary().size();
        break;
      default:
        total += 8;
    }
  }
  return total;
}

JsonPath JsonPath::parse(std::string_view text) {
  JsonPath path;
  path.text_ = std::string(text);
  path.segments_ = PathParser(text).parse();
  for (const auto& s : path.segments_) {
    if (s.kind == Segment::Kind::Wildcard || s.kind == Segment::Kind::Descent) {
      path.reference_ = false;
    }
  }
  return path;
}

std::optional<Json> JsonPath::select(const Json& doc) const {
  std::vector<const Json*> current{&doc};
  std::vector<const Json*> next;
  for (const auto& segment : segments_) {
    next.clear();
    for (const Json* node : current) {
      step(segment, *node, next);
      if (next.size() > kMaxSelected) {
        throw DataError(fmt::format("'{}' selects more than {} values", text_, kMaxSelected));
      }
    }
    current.swap(next);
  }
  if (reference_) {
    if (current.empty()) return std::nullopt;
    return *current.front();
  }
  // Matches may nest (`..*` selects a value and its descendants): the copies can be far larger
  // than the document.
  size_t left = kMaxValueBytes;
  for (const Json* node : current) {
    size_t n = json_size_at_most(*node, left) + 1;
    if (n > left) {
      throw DataError(
          fmt::format("'{}' selects more than {} bytes of values", text_, kMaxValueBytes));
    }
    left -= n;
  }
  Json all = Json::array();
  for (const Json* node : current) all.push_back(*node);
  return all;
}

void JsonPath::assign(Json& doc, Json value) const {
  if (!reference_) throw DataError(fmt::format("'{}' is not a reference path", text_));
  Json* node = &doc;
  for (const auto& segment : segments_) {
    if (segment.kind == Segment::Kind::Index) {
      if (!node->is_array() || segment.index >= node->size()) {
        throw DataError(fmt::format("'{}' names no element of the input", text_));
      }
      node = &(*node)[segment.index];
      continue;
    }
    if (node->is_null()) *node = Json::object();
    if (!node->is_object()) {
      throw DataError(fmt::format("'{}' goes into a {} of the input", text_, node->type_name()));
    }
    node = &(*node)[segment.name];
  }
  *node = std::move(value);
}

}  // namespace wasmlet::workflow
