#pragma once
// How a (user, key) pair is named in Redis. Kept apart from the client so that the mapping can
// be tested and fuzzed without a server.
#include <string>
#include <string_view>

namespace wasmlet::state {

// "wl:<kind>:<user length>:<user>:<key>". The length prefix keeps pairs apart even when either
// contains ':' or NUL bytes: ("a:b", "c") and ("a", "b:c") must not share a Redis key.
std::string redis_key(char kind, std::string_view user, std::string_view key);

// A SCAN MATCH pattern for every key of `kind` and `user`: the prefix with Redis's glob
// characters escaped, then '*'.
std::string redis_key_pattern(char kind, std::string_view user);

}  // namespace wasmlet::state
