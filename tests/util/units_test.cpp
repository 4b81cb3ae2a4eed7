// util/units: the one parser of sizes and durations that every command's options use.
#include "util/units.h"

#include <gtest/gtest.h>

namespace wasmlet {
namespace {

using namespace std::chrono_literals;

TEST(Units, Bytes) {
  struct Case {
    const char* text;
    size_t bytes;
  };
  const Case cases[] = {
      {"0", 0},          {"4096", 4096},        {"4096B", 4096},
      {"1K", 1024},      {"1KiB", 1024},        {"1.5KiB", 1536},
      {"64M", 64 << 20}, {"64MiB", 64 << 20},   {"2G", size_t{2} << 30},
      {"1GiB", 1 << 30}, {"0.5MiB", 512 << 10},
  };
  for (const auto& c : cases) EXPECT_EQ(util::parse_bytes(c.text), c.bytes) << c.text;
}

TEST(Units, Durations) {
  struct Case {
    const char* text;
    std::chrono::nanoseconds value;
  };
  const Case cases[] = {
      {"60", 60s},      {"60s", 60s}, {"1.5", 1500ms}, {"250ms", 250ms},
      {"100us", 100us}, {"2m", 120s}, {"0", 0s},
  };
  for (const auto& c : cases) EXPECT_EQ(util::parse_duration(c.text), c.value) << c.text;
}

TEST(Units, MemoryPages) {
  EXPECT_EQ(util::parse_memory_pages("64KiB"), 1u);
  EXPECT_EQ(util::parse_memory_pages("1GiB"), 16384u);
  EXPECT_EQ(util::parse_memory_pages("4GiB"), 65536u);
  EXPECT_EQ(util::parse_memory_pages("100KiB"), 1u);  // whole pages, rounded down
  for (const char* out_of_range : {"0", "1KiB", "5GiB"}) {
    EXPECT_THROW(util::parse_memory_pages(out_of_range), util::BadQuantity) << out_of_range;
  }
}

TEST(Units, MalformedTextIsRefusedWithTheText) {
  for (const char* bad : {"", "MiB", "-1", "+1", "1 MiB", " 1", "1TiB", "1mb", "1e3", "inf", "nan",
                          "1..5", "0x10", "99999999999999999999999G"}) {
    try {
      util::parse_bytes(bad);
      ADD_FAILURE() << "accepted '" << bad << "'";
    } catch (const util::BadQuantity& e) {
      EXPECT_NE(std::string(e.what()).find(std::string("'") + bad + "'"), std::string::npos)
          << e.what();
    }
  }
  for (const char* bad : {"", "s", "-1s", "1h", "1 s", "10sec", "1e400"}) {
    EXPECT_THROW(util::parse_duration(bad), util::BadQuantity) << bad;
  }
}

}  // namespace
}  // namespace wasmlet
