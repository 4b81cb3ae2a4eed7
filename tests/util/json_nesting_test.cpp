#include "util/json_nesting.h"

#include <gtest/gtest.h>

#include <string>

namespace wasmlet::util {
namespace {

TEST(JsonNesting, CountsArraysAndObjects) {
  EXPECT_EQ(json_nesting_depth("", 10), 0u);
  EXPECT_EQ(json_nesting_depth("42", 10), 0u);
  EXPECT_EQ(json_nesting_depth("[]", 10), 1u);
  EXPECT_EQ(json_nesting_depth(R"({"a": [1, {"b": []}], "c": {}})", 10), 4u);
  // Siblings do not add up: only the deepest path counts.
  EXPECT_EQ(json_nesting_depth("[[1], [2], [[3]]]", 10), 3u);
}

TEST(JsonNesting, BracketsInStringsDoNotCount) {
  EXPECT_EQ(json_nesting_depth(R"(["[[[{{{", "\"[[[", "\\"])", 10), 1u);
  EXPECT_EQ(json_nesting_depth(R"({"k\"[": "]]]"})", 10), 1u);
}

TEST(JsonNesting, StopsPastTheLimit) {
  std::string deep(8 << 20, '[');
  EXPECT_EQ(json_nesting_depth(deep, 64), 65u);
  EXPECT_EQ(json_nesting_depth(std::string(64, '[') + std::string(64, ']'), 64), 64u);
}

TEST(JsonNesting, UnbalancedTextStillGetsANumber) {
  EXPECT_EQ(json_nesting_depth("]]]][", 10), 1u);
  EXPECT_EQ(json_nesting_depth("[[[", 10), 3u);
  EXPECT_EQ(json_nesting_depth("\"[[[", 10), 0u);
}

}  // namespace
}  // namespace wasmlet::util
