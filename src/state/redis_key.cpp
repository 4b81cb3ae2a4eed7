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

}  // namespace wasmlet::state
