// auth/api_key: keys as they are made and as untrusted text presents them (bearer tokens and
// Authorization headers). Every shape but the exact one is refused.
#include "auth/api_key.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "util/base64.h"

namespace wasmlet::auth {
namespace {

using namespace std::string_literals;

const std::string kId = "0123456789abcdef";
const std::string kSecret = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8";  // bytes 0..31
const std::string kKey = "wlk_" + kId + "_" + kSecret;

TEST(ApiKey, GeneratedKeysHaveTheShapeAndDiffer) {
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    ApiKey key = generate_key();
    EXPECT_EQ(key.id.size(), 16u);
    EXPECT_EQ(key.secret.size(), 43u);
    EXPECT_EQ(key.text().size(), 64u);
    auto parsed = parse_key(key.text());
    ASSERT_TRUE(parsed) << key.text();
    EXPECT_EQ(parsed->id, key.id);
    EXPECT_EQ(parsed->secret, key.secret);
    EXPECT_TRUE(seen.insert(key.text()).second);
  }
}

TEST(ApiKey, ParseKeyRefusesEveryOtherShape) {
  ASSERT_TRUE(parse_key(kKey));
  EXPECT_EQ(parse_key(kKey)->id, kId);
  EXPECT_EQ(parse_key(kKey)->secret, kSecret);
  struct Case {
    const char* what;
    std::string text;
  } cases[] = {
      {"empty", ""},
      {"prefix only", "wlk_"},
      {"wrong prefix", "wlx_" + kId + "_" + kSecret},
      {"upper-case prefix", "WLK_" + kId + "_" + kSecret},
      {"no prefix", kId + "_" + kSecret + "abcd"},
      {"short id", "wlk_" + kId.substr(1) + "_" + kSecret + "A"},
      {"long id", "wlk_" + kId + "0_" + kSecret.substr(1)},
      {"upper-case hex", "wlk_0123456789ABCDEF_" + kSecret},
      {"bad hex", "wlk_0123456789abcdeg_" + kSecret},
      {"no separator", "wlk_" + kId + "-" + kSecret},
      {"short secret", "wlk_" + kId + "_" + kSecret.substr(1)},
      {"long secret", kKey + "A"},
      {"trailing junk", kKey + " "},
      {"trailing newline", kKey + "\n"},
      {"leading space", " " + kKey},
      {"padding", "wlk_" + kId + "_" + kSecret.substr(0, 42) + "="},
      {"standard base64 char +", "wlk_" + kId + "_+" + kSecret.substr(1)},
      {"standard base64 char /", "wlk_" + kId + "_/" + kSecret.substr(1)},
      {"dot in secret", "wlk_" + kId + "_." + kSecret.substr(1)},
      {"non-canonical last char", "wlk_" + kId + "_" + kSecret.substr(0, 42) + "B"},
      {"embedded NUL", "wlk_" + kId + "_" + kSecret.substr(0, 20) + "\0"s + kSecret.substr(21)},
      {"huge", kKey + std::string(1 << 20, 'A')},
  };
  for (const auto& c : cases) EXPECT_FALSE(parse_key(c.text)) << c.what;
}

std::string basic(const std::string& credentials) {
  return "Basic " + util::base64_encode(credentials);
}

TEST(ApiKey, ParseAuthorization) {
  struct Case {
    const char* what;
    std::string header;
    bool ok;
  } cases[] = {
      {"bearer", "Bearer " + kKey, true},
      {"lower-case scheme", "bearer " + kKey, true},
      {"upper-case scheme", "BEARER " + kKey, true},
      {"several spaces", "Bearer   " + kKey, true},
      {"tab", "Bearer\t" + kKey, true},
      {"surrounding spaces", "  Bearer " + kKey + "  ", true},
      {"basic anything:key", basic("whoever:" + kKey), true},
      {"basic empty user", basic(":" + kKey), true},
      {"basic id:secret", basic(kId + ":" + kSecret), true},
      {"lower-case basic", "basic " + util::base64_encode(kId + ":" + kSecret), true},
      {"empty", "", false},
      {"spaces", "   ", false},
      {"scheme only", "Bearer", false},
      {"scheme and space", "Bearer ", false},
      {"no scheme", kKey, false},
      {"other scheme", "Token " + kKey, false},
      {"bearer with junk", "Bearer " + kKey + " x", false},
      {"bearer with a bad key", "Bearer wlk_" + kId + "_" + kSecret.substr(1), false},
      {"space inside the scheme", "Bear er " + kKey, false},
      {"basic bad base64", "Basic !!!!", false},
      {"basic missing colon", basic(kKey), false},
      {"basic id with a wrong secret shape", basic(kId + ":" + kSecret.substr(1)), false},
      {"basic bad id", basic("0123456789abcdeX:" + kSecret), false},
      {"basic key in the user", basic(kKey + ":"), false},
      {"basic NUL", basic(kId + ":" + kSecret + "\0"s), false},
      {"huge", "Bearer " + kKey + std::string(1 << 20, ' '), false},
  };
  for (const auto& c : cases) {
    auto key = parse_authorization(c.header);
    EXPECT_EQ(key.has_value(), c.ok) << c.what;
    if (key && c.ok) {
      EXPECT_EQ(key->id, kId) << c.what;
      EXPECT_EQ(key->secret, kSecret) << c.what;
    }
  }
}

}  // namespace
}  // namespace wasmlet::auth
