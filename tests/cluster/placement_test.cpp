// Where a call goes when its host cannot start it (cluster/placement.h).
#include "cluster/placement.h"

#include <gtest/gtest.h>

#include <map>
#include <vector>

namespace wasmlet::cluster {
namespace {

HostInfo host(const std::string& id, uint64_t executors, uint64_t running,
              std::vector<std::string> warm = {}) {
  return {id, id + ":1", "t", executors, running, 0, std::move(warm)};
}

TEST(PlacementTest, NeverItselfNorAFullPeer) {
  std::mt19937_64 rng(1);
  std::vector<HostInfo> hosts{host("self", 4, 0), host("full", 2, 2)};
  EXPECT_FALSE(choose_peer(hosts, "self", "u/f", rng));
  hosts.push_back(host("free", 2, 1));
  for (int i = 0; i < 50; ++i) EXPECT_EQ(choose_peer(hosts, "self", "u/f", rng), 2u);
}

TEST(PlacementTest, AWarmPeerWinsOverAFreerColdOne) {
  std::mt19937_64 rng(2);
  std::vector<HostInfo> hosts{host("self", 2, 2), host("cold", 8, 0), host("warm", 2, 1, {"u/f"})};
  for (int i = 0; i < 50; ++i) EXPECT_EQ(choose_peer(hosts, "self", "u/f", rng), 2u);
  // Another function is warm nowhere: the freer of two sampled peers.
  std::map<size_t, int> picked;
  for (int i = 0; i < 200; ++i) ++picked[*choose_peer(hosts, "self", "u/g", rng)];
  EXPECT_GT(picked[1], picked[2]);
}

TEST(PlacementTest, EquallyGoodPeersShareTheLoad) {
  std::mt19937_64 rng(3);
  std::vector<HostInfo> hosts{host("self", 2, 2), host("a", 2, 0, {"u/f"}),
                              host("b", 2, 0, {"u/f"})};
  std::map<size_t, int> picked;
  for (int i = 0; i < 200; ++i) ++picked[*choose_peer(hosts, "self", "u/f", rng)];
  EXPECT_GT(picked[1], 50);
  EXPECT_GT(picked[2], 50);
}

}  // namespace
}  // namespace wasmlet::cluster
