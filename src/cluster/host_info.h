#pragma once
// What a host tells the cluster about itself at each heartbeat: where peers reach it, how busy
// it is and which functions it holds warm. Stored in Redis as JSON, read back by every peer.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace wasmlet::cluster {

struct HostInfo {
  std::string id;
  std::string address;     // HOST:PORT that peers and `wasmlet cluster status` connect to
  std::string started_at;  // RFC 3339, UTC
  uint64_t executors = 0;  // calls it runs at once
  uint64_t running = 0;
  uint64_t queued = 0;
  std::vector<std::string> warm;  // "user/function" with a Proto-Faaslet ready

  // Executors neither busy nor promised to queued calls: a forwarded call would start at once.
  uint64_t free_slots() const {
    return running + queued >= executors ? 0 : executors - running - queued;
  }
  bool is_warm(std::string_view function) const;
};

std::string to_json(const HostInfo& host);
// nullopt for text that is not a host record (a peer of another version, or garbage).
std::optional<HostInfo> host_info_from_json(std::string_view text);

}  // namespace wasmlet::cluster
