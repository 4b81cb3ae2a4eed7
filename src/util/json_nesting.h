#pragma once
// How deep JSON text nests, found without parsing it: a parser of untrusted text asks first,
// because a parsed value costs far more than its text (8 MiB of '[' took 630 MiB as nested
// arrays) and what walks it recursively can exhaust the stack.
#include <cstddef>
#include <string_view>

namespace wasmlet::util {

// The deepest nesting of arrays and objects in `text`, counting brackets outside strings, and
// stopping as soon as it passes `limit` (what it returns then is limit + 1). Text that is not
// JSON gets a number too; the parser reports what is wrong with it.
size_t json_nesting_depth(std::string_view text, size_t limit);

}  // namespace wasmlet::util
