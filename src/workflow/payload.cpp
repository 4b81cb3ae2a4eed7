#include "workflow/payload.h"

#include <fmt/format.h>

namespace wasmlet::workflow {
namespace {

using Node = PayloadTemplate::Node;

bool has_dynamic_suffix(const std::string& key) {
  return key.size() > 2 && key.compare(key.size() - 2, 2, ".$") == 0;
}

Node dynamic(const std::string& key, const Json& value, bool& uses_context) {
  if (!value.is_string()) {
    throw FieldError(fmt::format("'{}' must be a path (a string)", key));
  }
  const auto& text = value.get_ref<const std::string&>();
  Node node;
  if (text.starts_with("$$")) {
    node.kind = Node::Kind::ContextPath;
    node.path = JsonPath::parse(std::string_view(text).substr(1));
    uses_context = true;
  } else if (text.starts_with("$")) {
    node.kind = Node::Kind::Path;
    node.path = JsonPath::parse(text);
  } else if (text.starts_with("States.")) {
    throw FieldError(fmt::format("'{}': intrinsic functions are not supported", key));
  } else {
    throw FieldError(fmt::format("'{}' must be a path starting with '$'", key));
  }
  return node;
}

Node parse_node(const Json& spec, bool& uses_context) {
  Node node;
  if (spec.is_object()) {
    node.kind = Node::Kind::Object;
    for (const auto& [key, value] : spec.items()) {
      if (has_dynamic_suffix(key)) {
        node.keys.push_back(key.substr(0, key.size() - 2));
        node.items.push_back(dynamic(key, value, uses_context));
      } else {
        node.keys.push_back(key);
        node.items.push_back(parse_node(value, uses_context));
      }
    }
  } else if (spec.is_array()) {
    node.kind = Node::Kind::Array;
    for (const auto& item : spec) node.items.push_back(parse_node(item, uses_context));
  } else {
    node.literal = spec;
  }
  return node;
}

// `left`: what the paths' values may still add (kMaxValueBytes for the whole payload).
Json evaluate(const Node& node, const Json& input, const Json* context, size_t& left) {
  switch (node.kind) {
    case Node::Kind::Literal:
      return node.literal;
    case Node::Kind::Path:
    case Node::Kind::ContextPath: {
      bool in_context = node.kind == Node::Kind::ContextPath;
      const Json& from = in_context ? *context : input;
      auto value = node.path.select(from);
      if (!value) {
        throw DataError(fmt::format("'{}{}' selects nothing in the {}", in_context ? "$" : "",
                                    node.path.text(), in_context ? "context" : "input"));
      }
      size_t n = json_size_at_most(*value, left);
      if (n > left) {
        throw DataError(
            fmt::format("the payload's paths select more than {} bytes of values", kMaxValueBytes));
      }
      left -= n;
      return std::move(*value);
    }
    case Node::Kind::Object: {
      Json out = Json::object();
      for (size_t i = 0; i < node.keys.size(); ++i) {
        out[node.keys[i]] = evaluate(node.items[i], input, context, left);
      }
      return out;
    }
    case Node::Kind::Array: {
      Json out = Json::array();
      for (const auto& child : node.items) out.push_back(evaluate(child, input, context, left));
      return out;
    }
  }
  return nullptr;
}

}  // namespace

PayloadTemplate PayloadTemplate::parse(const Json& spec) {
  PayloadTemplate t;
  t.root_ = parse_node(spec, t.uses_context_);
  return t;
}

Json PayloadTemplate::apply(const Json& input, const Json* context) const {
  size_t left = kMaxValueBytes;
  return evaluate(root_, input, context, left);
}

}  // namespace wasmlet::workflow
