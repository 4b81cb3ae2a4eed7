#include "auth/api_key.h"

#include <openssl/rand.h>

#include <algorithm>
#include <array>
#include <cctype>

#include "util/base64.h"
#include "util/error.h"

namespace wasmlet::auth {

namespace {

constexpr std::string_view kPrefix = "wlk_";
constexpr size_t kIdBytes = 8;
constexpr size_t kIdChars = 2 * kIdBytes;
constexpr size_t kSecretBytes = 32;
constexpr size_t kSecretChars = 43;  // 256 bits in 6-bit characters, unpadded
constexpr size_t kKeyChars = kPrefix.size() + kIdChars + 1 + kSecretChars;
// No header that carries a key is longer; anything beyond is refused before decoding.
constexpr size_t kMaxHeader = 512;

template <size_t N>
std::array<unsigned char, N> random_bytes() {
  std::array<unsigned char, N> out{};
  if (RAND_bytes(out.data(), static_cast<int>(out.size())) != 1) {
    throw Error("the system's random number generator failed");
  }
  return out;
}

bool lower_hex(std::string_view s) {
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

// 43 characters of base64url that decode to 32 bytes: the last one carries 4 bits, so its two
// low bits must be zero (one text per secret).
bool canonical_secret(std::string_view s) {
  if (s.size() != kSecretChars) return false;
  auto bytes = util::base64url_decode(s);
  return bytes && bytes->size() == kSecretBytes && util::base64url_encode(*bytes) == s;
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

bool space(char c) { return c == ' ' || c == '\t'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && space(s.front())) s.remove_prefix(1);
  while (!s.empty() && space(s.back())) s.remove_suffix(1);
  return s;
}

// "uuid:key" as OpenWhisk clients send it: the password is a whole key, or the user is an id
// and the password its secret.
std::optional<ApiKey> from_basic(std::string_view credentials) {
  auto decoded = util::base64_decode(credentials);
  if (!decoded) return std::nullopt;
  std::string_view text = *decoded;
  size_t colon = text.find(':');
  if (colon == std::string_view::npos) return std::nullopt;
  std::string_view user = text.substr(0, colon);
  std::string_view password = text.substr(colon + 1);
  if (auto key = parse_key(password)) return key;
  if (valid_key_id(user) && canonical_secret(password)) {
    return ApiKey{std::string(user), std::string(password)};
  }
  return std::nullopt;
}

}  // namespace

bool valid_key_id(std::string_view id) { return id.size() == kIdChars && lower_hex(id); }

std::string ApiKey::text() const { return std::string(kPrefix) + id + "_" + secret; }

ApiKey generate_key() {
  static constexpr char kHex[] = "0123456789abcdef";
  auto id_bytes = random_bytes<kIdBytes>();
  auto secret_bytes = random_bytes<kSecretBytes>();
  ApiKey key;
  key.id.reserve(kIdChars);
  for (unsigned char b : id_bytes) {
    key.id += kHex[b >> 4];
    key.id += kHex[b & 15];
  }
  key.secret = util::base64url_encode(
      {reinterpret_cast<const char*>(secret_bytes.data()), secret_bytes.size()});
  return key;
}

std::optional<ApiKey> parse_key(std::string_view text) {
  if (text.size() != kKeyChars || !text.starts_with(kPrefix)) return std::nullopt;
  std::string_view id = text.substr(kPrefix.size(), kIdChars);
  std::string_view secret = text.substr(kPrefix.size() + kIdChars + 1);
  if (text[kPrefix.size() + kIdChars] != '_' || !valid_key_id(id) || !canonical_secret(secret)) {
    return std::nullopt;
  }
  return ApiKey{std::string(id), std::string(secret)};
}

std::optional<ApiKey> parse_authorization(std::string_view header) {
  if (header.size() > kMaxHeader) return std::nullopt;
  header = trim(header);
  size_t sp = header.find_first_of(" \t");
  if (sp == std::string_view::npos) return std::nullopt;
  std::string_view scheme = header.substr(0, sp);
  std::string_view credentials = trim(header.substr(sp));
  if (iequals(scheme, "Bearer")) return parse_key(credentials);
  if (iequals(scheme, "Basic")) return from_basic(credentials);
  return std::nullopt;
}

}  // namespace wasmlet::auth
