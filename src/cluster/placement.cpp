#include "cluster/placement.h"

#include <vector>

namespace wasmlet::cluster {

std::optional<size_t> choose_peer(std::span<const HostInfo> hosts, std::string_view self,
                                  std::string_view function, std::mt19937_64& rng) {
  std::vector<size_t> free, warm;
  for (size_t i = 0; i < hosts.size(); ++i) {
    if (hosts[i].id == self || hosts[i].free_slots() == 0) continue;
    free.push_back(i);
    if (hosts[i].is_warm(function)) warm.push_back(i);
  }
  if (free.empty()) return std::nullopt;
  auto freer = [&](size_t a, size_t b) {
    return hosts[b].free_slots() > hosts[a].free_slots() ? b : a;
  };
  if (!warm.empty()) {
    // Start at a random one, so equally free warm peers share the load.
    size_t best = warm[std::uniform_int_distribution<size_t>(0, warm.size() - 1)(rng)];
    for (size_t i : warm) best = freer(best, i);
    return best;
  }
  std::uniform_int_distribution<size_t> pick(0, free.size() - 1);
  return freer(free[pick(rng)], free[pick(rng)]);
}

}  // namespace wasmlet::cluster
