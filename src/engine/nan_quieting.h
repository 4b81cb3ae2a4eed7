#pragma once
// Wasm arithmetic on a NaN gives a quiet NaN. C compilers fold x - 0.0, x + -0.0, x * 1.0,
// x / 1.0 to x and -0.0 - x, x * -1.0, x / -1.0 to -x, which hands a signalling NaN back
// unquieted (IEEE lets them; wasm does not). This pass finds the operations of wasm2c's C that
// such a fold could reach and reads the constant operand through an empty asm the compiler
// cannot see through; all other arithmetic is left alone.
#include <string>
#include <string_view>

namespace wasmlet::engine {

// Definitions the rewritten source uses; goes before the first function.
std::string_view nan_quieting_prelude();

// Rewrites wasm2c's output in place. wasm2c writes one statement per line and keeps the
// operand stack in temporaries `w2c_fN` (f32) and `w2c_dN` (f64), assigned one constant at a
// time (`w2c_f1 = 1;`), copied to and from locals (`w2c_l1 = w2c_d0;`, locals start at 0) and
// combined by compound assignment (`w2c_f0 *= w2c_f1;`). A variable holds a foldable constant
// if its last assignment above in the text gave it one. Where paths join, a constant that
// arrives on one path only leaves the operand a merge of values, which compilers do not fold.
void keep_nan_quieting(std::string& source);

}  // namespace wasmlet::engine
