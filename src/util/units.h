#pragma once
// Sizes and durations as people write them in options: "64MiB", "1.5GiB", "512K", "4096"
// (bytes); "60s", "250ms", "100us", "2m", "1.5" (seconds). One set of rules for every command.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "util/error.h"

namespace wasmlet::util {

// The text is not a quantity of that kind; the message quotes it.
class BadQuantity : public Error {
 public:
  using Error::Error;
};

// A non-negative number and an optional unit: B, K/KiB, M/MiB, G/GiB (powers of 1024).
size_t parse_bytes(std::string_view text);
// A non-negative number and an optional unit: us, ms, s, m.
std::chrono::nanoseconds parse_duration(std::string_view text);
// A memory size in whole 64 KiB wasm pages, from one page to 4 GiB.
uint32_t parse_memory_pages(std::string_view text);

}  // namespace wasmlet::util
