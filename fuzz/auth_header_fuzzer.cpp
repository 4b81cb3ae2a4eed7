// libFuzzer target: API keys as clients present them. The input goes whole to
// auth::parse_key (a bearer token) and auth::parse_authorization (an Authorization header).
// An accepted key has exactly the documented shape, its text reads back to itself, and the
// header forms of it (Bearer, Basic anything:key, Basic id:secret) read back to it too.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "auth/api_key.h"
#include "util/base64.h"

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

bool same(const std::optional<wasmlet::auth::ApiKey>& a, const wasmlet::auth::ApiKey& b) {
  return a && a->id == b.id && a->secret == b.secret;
}

void check_shape(const wasmlet::auth::ApiKey& key) {
  check(key.id.size() == 16 && key.secret.size() == 43);
  for (char c : key.id) check((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'));
  auto secret = wasmlet::util::base64url_decode(key.secret);
  check(secret && secret->size() == 32 && wasmlet::util::base64url_encode(*secret) == key.secret);
  check(same(wasmlet::auth::parse_key(key.text()), key));
  check(same(wasmlet::auth::parse_authorization("Bearer " + key.text()), key));
  check(same(wasmlet::auth::parse_authorization("Basic " +
                                                wasmlet::util::base64_encode("user:" + key.text())),
             key));
  check(same(wasmlet::auth::parse_authorization(
                 "basic " + wasmlet::util::base64_encode(key.id + ":" + key.secret)),
             key));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  if (auto key = wasmlet::auth::parse_key(input)) {
    check(key->text() == input);
    check_shape(*key);
  }
  if (auto key = wasmlet::auth::parse_authorization(input)) check_shape(*key);
  return 0;
}
