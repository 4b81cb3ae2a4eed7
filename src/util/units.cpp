#include "util/units.h"

#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <limits>
#include <span>
#include <utility>

namespace wasmlet::util {
namespace {

struct Unit {
  std::string_view name;
  double scale;
};

// The number (at least one digit, no sign, finite) times its unit's scale.
double scaled(std::string_view text, std::span<const Unit> units, const char* what) {
  double value = 0;
  const char* end = text.data() + text.size();
  auto [used, ec] = std::from_chars(text.data(), end, value, std::chars_format::fixed);
  if (ec != std::errc() || used == text.data() || !std::isfinite(value) || value < 0 ||
      text.front() == '-' || text.front() == '+') {
    throw BadQuantity(fmt::format("bad {} '{}'", what, text));
  }
  std::string_view unit(used, static_cast<size_t>(end - used));
  for (const Unit& u : units) {
    if (unit == u.name) return value * u.scale;
  }
  throw BadQuantity(fmt::format("bad {} '{}' (unknown unit '{}')", what, text, unit));
}

constexpr double kKiB = 1024.0, kMiB = kKiB * 1024, kGiB = kMiB * 1024;
constexpr Unit kByteUnits[] = {{"", 1},     {"B", 1},      {"K", kKiB}, {"KiB", kKiB},
                               {"M", kMiB}, {"MiB", kMiB}, {"G", kGiB}, {"GiB", kGiB}};
constexpr Unit kTimeUnits[] = {{"", 1e9}, {"s", 1e9}, {"ms", 1e6}, {"us", 1e3}, {"m", 60e9}};

}  // namespace

size_t parse_bytes(std::string_view text) {
  double bytes = scaled(text, kByteUnits, "size");
  if (bytes >= static_cast<double>(std::numeric_limits<size_t>::max())) {
    throw BadQuantity(fmt::format("size '{}' is too large", text));
  }
  return static_cast<size_t>(bytes);
}

std::chrono::nanoseconds parse_duration(std::string_view text) {
  double ns = scaled(text, kTimeUnits, "duration");
  if (ns >= static_cast<double>(std::numeric_limits<int64_t>::max())) {
    throw BadQuantity(fmt::format("duration '{}' is too long", text));
  }
  return std::chrono::nanoseconds(static_cast<int64_t>(ns));
}

uint32_t parse_memory_pages(std::string_view text) {
  double pages = static_cast<double>(parse_bytes(text)) / 65536;
  if (pages < 1 || pages > 65536) {
    throw BadQuantity(fmt::format("memory limit '{}' is out of range (64KiB to 4GiB)", text));
  }
  return static_cast<uint32_t>(pages);
}

}  // namespace wasmlet::util
