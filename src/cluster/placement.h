#pragma once
// Where a call goes when the host that received it cannot start it at once: the policy
// bench/placement chose (docs/placement.md, "warm-p2c"). A peer with a free executor that holds
// the function warm, the freest of those; else the freer of two peers with a free executor,
// sampled at random, so that hosts deciding at once do not all pick the same one.
#include <cstddef>
#include <optional>
#include <random>
#include <span>
#include <string_view>

#include "cluster/host_info.h"

namespace wasmlet::cluster {

// An index into `hosts`; never `self`'s. nullopt when no peer has a free executor.
std::optional<size_t> choose_peer(std::span<const HostInfo> hosts, std::string_view self,
                                  std::string_view function, std::mt19937_64& rng);

}  // namespace wasmlet::cluster
