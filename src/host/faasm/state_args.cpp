#include "host/faasm/state_args.h"

#include <fmt/format.h>

#include "util/error.h"

namespace wasmlet::host::faasm {

void check_state_key(std::string_view key) {
  if (key.empty() || key.size() > 512) throw Error("state keys must be 1-512 bytes");
  if (key.find('\0') != std::string_view::npos) throw Error("state keys cannot hold a NUL byte");
}

size_t checked_length(uint32_t v, const char* what) {
  if (v > 0x7fffffffu) throw Error(fmt::format("negative {} for state", what));
  return v;
}

Range checked_range(uint32_t total, uint32_t offset, uint32_t length) {
  Range r{checked_length(total, "total length"), checked_length(offset, "offset"),
          checked_length(length, "length")};
  if (r.offset > r.total || r.length > r.total - r.offset) {
    throw Error(fmt::format("state range {}+{} is past the value's declared size of {} bytes",
                            r.offset, r.length, r.total));
  }
  return r;
}

}  // namespace wasmlet::host::faasm
