#pragma once
// Counted loops get a second copy whose addresses the C compiler can see as 64-bit affine
// sums, entered only when a check at the loop's entry proves that none of the i32 sums of that
// copy wraps. See docs/engine.md, "Loop versioning", and the proof in loop_versioning.cpp.
#include <string>

namespace wasmlet::engine {

// For each innermost straight-line loop of wasm2c's output with a counter c (written once in
// the body, `c += Cc`) and a latch `if (c != B)` or `if (c < B)` (unsigned; B a constant or a
// local the body does not write), every load and store address the body computes as a sum of
// locals and a constant, each local either unwritten in the body or written once as `p += Cp`
// after the access, becomes the same sum in 64 bits in a copy of the loop. The copy runs when
// c < B, the counter meets or cannot wrap past B, and every such sum, with its stepped terms at
// their last iteration's values, is below 2^32; otherwise the original loop runs. Must run on
// wasm2c's output after the memory-access prelude is in place.
void version_counted_loops(std::string& source);

}  // namespace wasmlet::engine
