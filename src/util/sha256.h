#pragma once
#include <span>
#include <string>

namespace wasmlet::util {

// Lower-case hex sha256 of the bytes.
std::string sha256_hex(std::span<const unsigned char> bytes);

}  // namespace wasmlet::util
