#pragma once
// Standard base64 (RFC 4648 section 4), as Faasm's JSON messages carry input data.
#include <optional>
#include <string>
#include <string_view>

namespace wasmlet::util {

std::string base64_encode(std::string_view bytes);
// Accepts padded or unpadded input; nullopt on any other character or a bad length.
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace wasmlet::util
