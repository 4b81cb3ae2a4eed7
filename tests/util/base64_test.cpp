// util/base64: the one base64 (RFC 4648 section 4) of the server's Faasm messages and the CLI
// client's call records. Strict: it decodes padded or unpadded text and refuses anything else.
#include "util/base64.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>

namespace wasmlet {
namespace {

using namespace std::string_literals;
using util::base64_decode;
using util::base64_encode;
using util::base64url_decode;
using util::base64url_encode;

TEST(Base64, RoundTripsAndStrictDecoding) {
  struct Case {
    std::string bytes, text;
  } round_trips[] = {
      {"", ""},
      {"f", "Zg=="},
      {"fo", "Zm8="},
      {"foo", "Zm9v"},
      {"foob", "Zm9vYg=="},
      {"\0\xff\xfe"s, "AP/+"},
      {"\xfb\xff", "+/8="},
  };
  for (const auto& c : round_trips) {
    EXPECT_EQ(base64_encode(c.bytes), c.text);
    EXPECT_EQ(base64_decode(c.text), c.bytes) << c.text;
  }
  struct Decode {
    std::string text;
    std::optional<std::string> bytes;
  } decodes[] = {
      {"Zg", "f"},
      {"Zm8", "fo"},  // unpadded
      {"Z", std::nullopt},
      {"Zg=", std::nullopt},  // impossible length, short padding
      {"Zg===", std::nullopt},
      {"====", std::nullopt},
      {"Z===", std::nullopt},
      {"Zm9v\n", std::nullopt},
      {"Zm-v", std::nullopt},
      {"Zm_v", std::nullopt},
      {"Z=g=", std::nullopt},
      {"=Zg=", std::nullopt},
  };
  for (const auto& c : decodes) EXPECT_EQ(base64_decode(c.text), c.bytes) << c.text;
}

TEST(Base64, UrlSafeUnpadded) {
  struct Case {
    std::string bytes, text;
  } round_trips[] = {
      {"", ""}, {"f", "Zg"}, {"fo", "Zm8"}, {"foo", "Zm9v"}, {"\xfb\xff"s, "-_8"},
  };
  for (const auto& c : round_trips) {
    EXPECT_EQ(base64url_encode(c.bytes), c.text);
    EXPECT_EQ(base64url_decode(c.text), c.bytes) << c.text;
  }
  const std::string bad[] = {"Zg==", "Z", "+/8", "Zm9v\n", "Zm 9", "Zm\0v"s};
  for (const auto& text : bad) EXPECT_EQ(base64url_decode(text), std::nullopt) << text;
}

}  // namespace
}  // namespace wasmlet
