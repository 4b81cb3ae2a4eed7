#pragma once
// Counted loops get a second copy whose addresses the C compiler can see as 64-bit affine
// sums, entered only when a check at the loop's entry proves the i32 additions of that copy
// never wrap. See docs/engine.md, "Loop versioning".
#include <string>

namespace wasmlet::engine {

// For each innermost straight-line loop of wasm2c's output whose latch is
// `iv += C; if (iv != bound)` or `if (iv < bound)` (C a positive constant, bound a constant or a
// local the loop does not write), every load and store address computed in the body as
// `iv + x` (x a constant or a local the loop does not write) becomes `(u64)iv + (u64)x` in a copy
// of the loop. The copy runs when `iv < bound`, the steps reach the bound exactly (for `!=`) or
// cannot wrap past it (for `<`), and `bound + x <= 2^32` for every such x: then no `iv + x` of
// any iteration wraps, and each address is the same number both ways. Otherwise the original
// loop runs. Must run on wasm2c's output after the memory-access prelude is in place.
void version_counted_loops(std::string& source);

}  // namespace wasmlet::engine
