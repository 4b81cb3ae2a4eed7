#pragma once
// The checks on what a guest passes to Faasm's state imports: keys, and sizes and offsets that
// wasm32 declares as signed `long`. Each throws Error for a bad value, which fails the call.
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace wasmlet::host::faasm {

// A key is 1-512 bytes (any but NUL, which a C string cannot carry).
void check_state_key(std::string_view key);

// wasm32 `long` is signed: lengths above 2^31 are negative numbers from the guest's view.
// `what` names the argument in the message.
size_t checked_length(uint32_t v, const char* what);

// A guest's (total size, offset, length) triple, each checked, and the range inside the total.
struct Range {
  size_t total, offset, length;
};
Range checked_range(uint32_t total, uint32_t offset, uint32_t length);

}  // namespace wasmlet::host::faasm
