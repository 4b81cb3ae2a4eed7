// A host's record as peers read it back from Redis: what round-trips, and what is refused.
#include "cluster/host_info.h"

#include <gtest/gtest.h>

namespace wasmlet::cluster {
namespace {

TEST(HostInfoTest, RoundTrips) {
  HostInfo host{"h1", "10.0.0.1:8080", "2026-11-30T10:00:00Z", 4, 3, 0, {"alice/echo", "bob/x"}};
  auto back = host_info_from_json(to_json(host));
  ASSERT_TRUE(back);
  EXPECT_EQ(back->id, "h1");
  EXPECT_EQ(back->address, "10.0.0.1:8080");
  EXPECT_EQ(back->executors, 4u);
  EXPECT_EQ(back->running, 3u);
  EXPECT_EQ(back->warm, host.warm);
  EXPECT_TRUE(back->is_warm("bob/x"));
  EXPECT_FALSE(back->is_warm("bob/y"));
  EXPECT_EQ(back->free_slots(), 1u);
}

TEST(HostInfoTest, BusyHostsHaveNoFreeSlots) {
  HostInfo queued{"h", "a:1", "t", 4, 1, 2, {}};
  EXPECT_EQ(queued.free_slots(), 1u);  // the queued calls take two of the three idle ones
  queued.queued = 3;
  EXPECT_EQ(queued.free_slots(), 0u);
  HostInfo full{"h", "a:1", "t", 2, 5, 0, {}};
  EXPECT_EQ(full.free_slots(), 0u);
}

TEST(HostInfoTest, RefusesWhatIsNotARecord) {
  for (
      const char* text :
      {"", "[]", "null", "{", "{\"id\":\"h\"}",
       R"({"id":"","address":"a","started_at":"t","executors":1,"running":0,"queued":0,"warm":[]})",
       R"({"id":"h","address":"a","started_at":"t","executors":-1,"running":0,"queued":0,"warm":[]})",
       R"({"id":"h","address":"a","started_at":"t","executors":1,"running":0,"queued":0,"warm":[1]})",
       R"({"id":"h","address":7,"started_at":"t","executors":1,"running":0,"queued":0,"warm":[]})"}) {
    EXPECT_FALSE(host_info_from_json(text)) << text;
  }
  std::string huge(2 << 20, ' ');
  EXPECT_FALSE(host_info_from_json(huge));
}

}  // namespace
}  // namespace wasmlet::cluster
