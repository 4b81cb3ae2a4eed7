#include "state/redis_key.h"

namespace wasmlet::state {

std::string redis_key(char kind, std::string_view user, std::string_view key) {
  std::string out = "wl:";
  out += kind;
  out += ':';
  out += std::to_string(user.size());
  out += ':';
  out += user;
  out += ':';
  out += key;
  return out;
}

std::string redis_key_pattern(char kind, std::string_view user) {
  std::string out;
  for (char c : redis_key(kind, user, {})) {
    if (c == '*' || c == '?' || c == '[' || c == ']' || c == '\\') out += '\\';
    out += c;
  }
  out += '*';
  return out;
}

}  // namespace wasmlet::state
