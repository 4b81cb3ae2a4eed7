// Hosts sharing one real redis-server: membership with expiry, and functions uploaded or
// deleted on one host reaching the others, including a host that was away and Redis restarting.
#include "cluster/cluster_node.h"

#include <gtest/gtest.h>

#include <future>

#include "cluster/membership.h"
#include "redis_server.h"
#include "test_support.h"

namespace wasmlet::cluster {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using runtime::CallRecord;
using runtime::CallStatus;
using runtime::FunctionId;

class ClusterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = test::fresh_test_dir("cluster-tests");
    fs::create_directories(WASMLET_TEST_CACHE_DIR);
  }

  // A host: its own data directory (sharing the tests' compile cache) and runtime.
  struct Host {
    std::unique_ptr<runtime::Runtime> runtime;
    std::unique_ptr<ClusterNode> node;
  };

  std::unique_ptr<runtime::Runtime> make_runtime(const std::string& name) {
    runtime::RuntimeConfig config;
    config.data_dir = dir_ / name;
    if (!fs::exists(config.data_dir / "cache")) {
      fs::create_directories(config.data_dir);
      fs::create_directory_symlink(fs::absolute(WASMLET_TEST_CACHE_DIR), config.data_dir / "cache");
    }
    return std::make_unique<runtime::Runtime>(std::move(config));
  }

  ClusterConfig config(const std::string& name) {
    ClusterConfig c;
    c.redis_url = redis_.url();
    c.host_id = name;
    c.advertise = "127.0.0.1:" + std::to_string(8000 + name.back());
    // Long periods: the tests drive the syncs themselves with sync_now().
    c.code_poll = 1h;
    c.full_sync = 1h;
    return c;
  }

  Host join(const std::string& name) {
    Host h;
    h.runtime = make_runtime(name);
    h.node = std::make_unique<ClusterNode>(config(name), *h.runtime);
    return h;
  }

  static CallRecord call(runtime::Runtime& rt, const FunctionId& fn, std::string input) {
    std::promise<CallRecord> done;
    auto result = done.get_future();
    rt.submit({fn, std::move(input)}, [&](const CallRecord& r) { done.set_value(r); });
    return result.get();
  }

  test::RedisServer redis_;
  fs::path dir_;
};

TEST_F(ClusterTest, MembersExpireUnlessTheyBeat) {
  state::RedisClient redis(redis_.url());
  Membership members(redis);
  members.announce({"a", "127.0.0.1:1", "t", 2, 0, 0, {}}, 60s);
  members.announce({"b", "127.0.0.1:2", "t", 2, 1, 0, {"u/f"}}, 100ms);
  auto hosts = members.hosts();
  ASSERT_EQ(hosts.size(), 2u);
  EXPECT_EQ(hosts[1].warm, std::vector<std::string>{"u/f"});
  std::this_thread::sleep_for(300ms);
  hosts = members.hosts();
  ASSERT_EQ(hosts.size(), 1u);
  EXPECT_EQ(hosts[0].id, "a");
  members.leave("a");
  EXPECT_TRUE(members.hosts().empty());
}

TEST_F(ClusterTest, HostsSeeEachOtherAndLeave) {
  auto a = join("a");
  {
    auto b = join("b");
    auto hosts = b.node->hosts();
    ASSERT_EQ(hosts.size(), 2u);
    EXPECT_EQ(hosts[0].id, "a");
    EXPECT_EQ(hosts[1].address, "127.0.0.1:8098");
  }
  state::RedisClient redis(redis_.url());
  auto hosts = Membership(redis).hosts();
  ASSERT_EQ(hosts.size(), 1u);  // b left on destruction, without waiting for expiry
  EXPECT_EQ(hosts[0].id, "a");
}

TEST_F(ClusterTest, UploadsAndDeletesReachEveryHost) {
  auto a = join("a");
  auto b = join("b");
  FunctionId echo{"alice", "echo"};
  a.runtime->upload_wasm(echo, test::guest_bytes("echo"));
  b.node->sync_now();
  ASSERT_TRUE(b.runtime->function(echo));
  auto record = call(*b.runtime, echo, "hi");
  EXPECT_EQ(record.status, CallStatus::Succeeded);
  EXPECT_EQ(record.output, "hi");

  // Replaced on b: a takes the new version; nothing moves once both agree.
  b.runtime->upload_wasm(echo, test::guest_bytes("compute"));
  a.node->sync_now();
  EXPECT_EQ(a.runtime->function(echo)->sha256, b.runtime->function(echo)->sha256);
  SyncReport r = a.node->sync_now();
  EXPECT_EQ(r.installed + r.removed + r.published, 0u);

  ASSERT_TRUE(a.runtime->remove_function(echo));
  b.node->sync_now();
  EXPECT_FALSE(b.runtime->function(echo));
}

TEST_F(ClusterTest, AHostThatWasAwayCatchesUp) {
  auto a = join("a");
  FunctionId kept{"alice", "kept"}, gone{"alice", "gone"}, own{"carol", "own"};
  a.runtime->upload_wasm(gone, test::guest_bytes("echo"));
  {
    auto c = join("c");
    c.node->sync_now();
    ASSERT_TRUE(c.runtime->function(gone));
  }
  // While c is down: one upload, one delete; and c's operator uploads one of its own offline.
  a.runtime->upload_wasm(kept, test::guest_bytes("echo"));
  ASSERT_TRUE(a.runtime->remove_function(gone));
  make_runtime("c")->upload_wasm(own, test::guest_bytes("echo"));

  // Syncs run when a host joins and on a timer; the test's own makes sure one has run since.
  auto c = join("c");
  c.node->sync_now();
  EXPECT_TRUE(c.runtime->function(kept));
  EXPECT_FALSE(c.runtime->function(gone));  // its tombstone wins over c's stale copy
  a.node->sync_now();
  EXPECT_TRUE(a.runtime->function(own));
}

TEST_F(ClusterTest, ChangesMadeWhileRedisIsAwayArePublishedLater) {
  auto a = join("a");
  auto b = join("b");
  FunctionId echo{"alice", "echo"};
  redis_.stop();
  // The upload succeeds here; Redis's absence only delays its publication.
  a.runtime->upload_wasm(echo, test::guest_bytes("echo"));
  EXPECT_THROW(b.node->sync_now(), state::StateUnavailable);
  redis_.start();  // empty: this redis-server keeps nothing across restarts
  a.node->sync_now();
  b.node->sync_now();
  EXPECT_EQ(call(*b.runtime, echo, "back").output, "back");
}

TEST_F(ClusterTest, JoiningNeedsRedis) {
  auto rt = make_runtime("x");
  ClusterConfig c = config("x");
  redis_.stop();
  EXPECT_THROW(ClusterNode(c, *rt), state::StateUnavailable);
  c.advertise.clear();
  EXPECT_THROW(ClusterNode(c, *rt), Error);
}

}  // namespace
}  // namespace wasmlet::cluster
