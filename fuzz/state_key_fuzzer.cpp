// libFuzzer target: how state keys reach the tiers. A guest's key and (total, offset, length)
// are checked by host/faasm/state_args (Error only; an accepted range lies inside its total,
// every number below 2^31); an HTTP client's user and key by runtime::valid_name; and every
// (user, key) pair is named in Redis by state::redis_key, which must be injective: the pair is
// read back from the name, so two pairs never share a Redis key.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

#include "host/faasm/state_args.h"
#include "runtime/function_id.h"
#include "state/redis_key.h"
#include "util/error.h"

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

// The inverse of redis_key: "wl:<kind>:<user length>:<user>:<key>".
void check_reads_back(std::string_view name, char kind, std::string_view user,
                      std::string_view key) {
  check(name.starts_with("wl:") && name.size() > 4 && name[3] == kind && name[4] == ':');
  name.remove_prefix(5);
  size_t colon = name.find(':');
  check(colon != std::string_view::npos && colon > 0);
  size_t length = 0;
  for (char c : name.substr(0, colon)) {
    check(c >= '0' && c <= '9');
    length = length * 10 + static_cast<size_t>(c - '0');
  }
  name.remove_prefix(colon + 1);
  check(name.size() > length && name.substr(0, length) == user && name[length] == ':');
  check(name.substr(length + 1) == key);
}

uint32_t u32(std::string_view& in) {
  uint32_t v = 0;
  size_t n = std::min<size_t>(4, in.size());
  std::memcpy(&v, in.data(), n);
  in.remove_prefix(n);
  return v;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace wasmlet;
  std::string_view in(reinterpret_cast<const char*>(data), size);
  const uint32_t total = u32(in), offset = u32(in), length = u32(in);
  const char kind = in.empty() ? 'v' : in[0];
  if (!in.empty()) in.remove_prefix(1);
  // The rest is "user\xffkey" (or all user).
  size_t split = in.find('\xff');
  std::string_view user = in.substr(0, split);
  std::string_view key =
      split == std::string_view::npos ? std::string_view{} : in.substr(split + 1);

  try {
    auto r = host::faasm::checked_range(total, offset, length);
    check(r.total == total && r.offset == offset && r.length == length);
    check(r.total <= 0x7fffffffu && r.offset + r.length <= r.total);
  } catch (const Error&) {
    check(total > 0x7fffffffu || offset > 0x7fffffffu || length > 0x7fffffffu ||
          uint64_t{offset} + length > total);
  }

  try {
    host::faasm::check_state_key(key);
    check(!key.empty() && key.size() <= 512 && key.find('\0') == std::string_view::npos);
  } catch (const Error&) {
    check(key.empty() || key.size() > 512 || key.find('\0') != std::string_view::npos);
  }

  if (runtime::valid_name(user)) {
    check(!user.empty() && user.size() <= 64 && user != "." && user != "..");
    for (char c : user) {
      check((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
            c == '_' || c == '.' || c == '-');
    }
  }

  check_reads_back(state::redis_key(kind, user, key), kind, user, key);
  return 0;
}
