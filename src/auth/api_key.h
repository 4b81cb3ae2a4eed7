#pragma once
// API keys: "wlk_" + a 16-hex-digit id + "_" + a 43-character base64url secret (32 random
// bytes). The id finds the key's record; only a keyed hash of the secret is ever stored.
#include <optional>
#include <string>
#include <string_view>

namespace wasmlet::auth {

struct ApiKey {
  std::string id;      // 16 lower-case hex digits
  std::string secret;  // 43 characters of base64url, no padding

  std::string text() const;  // the key as a client sends it
};

// A fresh key from the system's CSPRNG (OpenSSL RAND_bytes).
ApiKey generate_key();

// Parses untrusted text (a bearer token); nullopt unless it has exactly the shape above.
std::optional<ApiKey> parse_key(std::string_view text);

// True when `id` is a key id: 16 lower-case hex digits.
bool valid_key_id(std::string_view id);

// Parses an untrusted Authorization header value: "Bearer <key>", or "Basic <base64>" whose
// decoded "user:password" is either "anything:<key>" or "<id>:<secret>" (how OpenWhisk clients
// send their uuid:key). Scheme names are case-insensitive. nullopt when malformed.
std::optional<ApiKey> parse_authorization(std::string_view header);

}  // namespace wasmlet::auth
