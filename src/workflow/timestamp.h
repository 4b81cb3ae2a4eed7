#pragma once
// RFC 3339 timestamps as the States Language uses them (Choice's Timestamp* rules, Wait's
// Timestamp, the context object's times).
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace wasmlet::workflow {

using Timestamp = std::chrono::sys_time<std::chrono::nanoseconds>;

// "2016-03-14T01:59:00Z", "2016-03-14T01:59:00.123+02:00": nullopt for anything else, and for
// times outside what nanoseconds since 1970 in 64 bits hold (years 1678-2261).
std::optional<Timestamp> parse_timestamp(std::string_view text);
// UTC with nanoseconds: "2016-03-14T01:59:00.000000123Z".
std::string format_timestamp(Timestamp t);

}  // namespace wasmlet::workflow
