#pragma once
// Payload templates (Parameters, ResultSelector, ItemSelector): JSON whose fields named
// "KEY.$" take their value from a path into the state's input ("$...") or into the context
// object ("$$..."), at any depth of objects and arrays.
#include <memory>
#include <string>
#include <vector>

#include "workflow/json_path.h"

namespace wasmlet::workflow {

class PayloadTemplate {
 public:
  // Throws FieldError naming the field. Recursion is bounded by the JSON's own depth, which
  // parse_json bounds.
  static PayloadTemplate parse(const Json& spec);

  // The payload for `input`; `context` is the context object, built only when
  // uses_context(). Throws DataError when a path selects nothing, or when the values the
  // paths select come to more than kMaxValueBytes (a template may copy its input many times).
  Json apply(const Json& input, const Json* context) const;
  bool uses_context() const { return uses_context_; }

  struct Node {
    enum class Kind { Literal, Path, ContextPath, Object, Array };
    Kind kind = Kind::Literal;
    Json literal;
    JsonPath path;
    std::vector<std::string> keys;  // Object: its keys (without ".$"), one per item
    std::vector<Node> items;        // Object's values, Array's items
  };

 private:
  Node root_;
  bool uses_context_ = false;
};

}  // namespace wasmlet::workflow
