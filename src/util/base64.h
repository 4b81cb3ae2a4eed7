#pragma once
// Standard base64 (RFC 4648 section 4), as Faasm's JSON messages carry input data, and the
// URL- and filename-safe alphabet (section 5), as API keys carry their secret.
#include <optional>
#include <string>
#include <string_view>

namespace wasmlet::util {

std::string base64_encode(std::string_view bytes);
// Accepts padded or unpadded input; nullopt on any other character or a bad length.
std::optional<std::string> base64_decode(std::string_view text);

// base64url without padding ('-' and '_' for '+' and '/').
std::string base64url_encode(std::string_view bytes);
// Unpadded base64url only; nullopt on padding, any other character or a bad length.
std::optional<std::string> base64url_decode(std::string_view text);

}  // namespace wasmlet::util
