// libFuzzer target: a host's record as peers read it back from Redis
// (cluster::host_info_from_json over any bytes). It never throws; a record it accepts
// survives a round trip through to_json unchanged.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "cluster/host_info.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  auto host = wasmlet::cluster::host_info_from_json(input);
  if (!host) return 0;
  auto again = wasmlet::cluster::host_info_from_json(wasmlet::cluster::to_json(*host));
  if (!again || again->id != host->id || again->address != host->address ||
      again->executors != host->executors || again->running != host->running ||
      again->queued != host->queued || again->warm != host->warm || host->id.empty()) {
    std::abort();
  }
  (void)host->free_slots();
  return 0;
}
