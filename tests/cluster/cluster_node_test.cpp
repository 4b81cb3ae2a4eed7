// Hosts sharing one real redis-server: membership with expiry, and functions uploaded or
// deleted on one host reaching the others, including a host that was away and Redis restarting.
#include "cluster/cluster_node.h"

#include <gtest/gtest.h>

#include <future>

#include "cluster/call_queue.h"
#include "cluster/membership.h"
#include "redis_server.h"
#include "test_support.h"
#include "workflow/workflow_registry.h"

namespace wasmlet::cluster {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using runtime::CallRecord;
using runtime::CallStatus;
using runtime::FunctionId;

class ClusterTest : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = test::fresh_test_dir("cluster-tests"); }

  // A host: its own data directory (sharing the tests' compile cache), runtime and workflows.
  struct Host {
    std::unique_ptr<runtime::Runtime> runtime;
    std::unique_ptr<workflow::WorkflowRegistry> workflows;
    std::unique_ptr<ClusterNode> node;
    Host() = default;
    Host(Host&&) = default;
    Host& operator=(Host&&) = default;
    ~Host() {
      node.reset();
      if (runtime) runtime->shutdown();  // before the workflows, whose runs it may hold
      workflows.reset();
    }
  };

  std::unique_ptr<runtime::Runtime> make_runtime(const std::string& name,
                                                 runtime::RuntimeConfig config = {}) {
    config.data_dir = dir_ / name;
    test::share_compile_cache(config.data_dir);
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

  Host join(const std::string& name, runtime::RuntimeConfig runtime_config = {}) {
    Host h;
    h.runtime = make_runtime(name, std::move(runtime_config));
    h.workflows = std::make_unique<workflow::WorkflowRegistry>(*h.runtime, dir_ / name / "wf");
    h.node = std::make_unique<ClusterNode>(config(name), *h.runtime, h.workflows.get());
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

// A reader that found a host's record expired removes it from the set only if the host has not
// beaten again since.
TEST_F(ClusterTest, AHostThatBeatAgainIsNotPruned) {
  state::RedisClient redis(redis_.url());
  Membership members(redis);
  members.announce({"a", "127.0.0.1:1", "t", 2, 0, 0, {}}, 50ms);
  members.announce({"b", "127.0.0.1:2", "t", 2, 0, 0, {}}, 50ms);
  std::this_thread::sleep_for(200ms);
  members.announce({"a", "127.0.0.1:1", "t", 2, 0, 0, {}}, 60s);
  EXPECT_FALSE(members.prune("a"));
  EXPECT_TRUE(members.prune("b"));
  EXPECT_FALSE(members.prune("b"));
  auto hosts = members.hosts();
  ASSERT_EQ(hosts.size(), 1u);
  EXPECT_EQ(hosts[0].id, "a");
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

TEST_F(ClusterTest, WorkflowsReachEveryHost) {
  auto a = join("a");
  auto b = join("b");
  FunctionId echo{"alice", "echo"}, wf{"alice", "pipeline"};
  const std::string definition =
      R"({"StartAt":"E","States":{"E":{"Type":"Task","Resource":"echo","End":true}}})";
  a.runtime->upload_wasm(echo, test::guest_bytes("echo"));
  a.workflows->put(wf, definition);
  b.node->sync_now();  // the function first, then the workflow that calls it
  ASSERT_EQ(b.workflows->definition(wf), definition);
  auto run = call(*b.runtime, wf, R"({"x":1})");
  EXPECT_EQ(run.status, CallStatus::Succeeded) << run.error_message;
  ASSERT_TRUE(b.workflows->remove(wf));
  a.node->sync_now();
  EXPECT_FALSE(a.workflows->definition(wf));
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

namespace wasmlet::cluster {
namespace {

// Waits (bounded) for a queued call to end and returns its record.
runtime::CallRecord wait_finished(ClusterNode& node, uint64_t id) {
  for (int i = 0; i < 1000; ++i) {
    auto r = node.call_record(id);
    if (r && (r->status == CallStatus::Succeeded || r->status == CallStatus::Failed)) return *r;
    std::this_thread::sleep_for(10ms);
  }
  ADD_FAILURE() << "call " << id << " did not finish";
  return {};
}

TEST_F(ClusterTest, AsyncCallsRunFromTheQueueAndAnyHostReadsTheirResult) {
  auto a = join("a");
  auto b = join("b");
  FunctionId echo{"alice", "echo"};
  a.runtime->upload_wasm(echo, test::guest_bytes("echo"));
  b.node->sync_now();
  std::vector<uint64_t> ids;
  for (int i = 0; i < 20; ++i)
    ids.push_back(a.node->enqueue(echo, "", "call " + std::to_string(i)));
  for (int i = 0; i < 20; ++i) {
    EXPECT_TRUE(is_cluster_call(ids[i]));
    auto r = wait_finished(*b.node, ids[i]);
    EXPECT_EQ(r.status, CallStatus::Succeeded);
    EXPECT_EQ(r.output, "call " + std::to_string(i));
    EXPECT_EQ(r.function, echo);
  }
  EXPECT_FALSE(a.node->call_record(kClusterCallIdBase + 999999));
  // A function no host has fails, with the reason.
  auto missing = wait_finished(*a.node, a.node->enqueue({"alice", "nope"}, "", ""));
  EXPECT_EQ(missing.status, CallStatus::Failed);
  EXPECT_EQ(missing.error_kind, "unknown_function");
}

TEST_F(ClusterTest, CallsADeadHostTookRunElsewhere) {
  FunctionId echo{"alice", "echo"};
  // "ghost" takes two calls and dies without finishing them. It never joined, so no live host
  // has its name; and it took them before any other host was there to.
  state::RedisClient redis(redis_.url());
  CallQueue ghost(redis, "ghost", {100, 100}, 60s);
  ghost.ensure_group();
  uint64_t first = ghost.enqueue(echo, "", "one");
  uint64_t second = ghost.enqueue(echo, "", "two");
  ASSERT_EQ(ghost.take(2, 1ms).size(), 2u);
  ghost.started({"", first, echo, ""});
  EXPECT_EQ(ghost.record(first)->status, CallStatus::Running);

  Host a;
  a.runtime = make_runtime("a");
  a.runtime->upload_wasm(echo, test::guest_bytes("echo"));
  a.node = std::make_unique<ClusterNode>(config("a"), *a.runtime);
  for (uint64_t id : {first, second}) {
    auto r = wait_finished(*a.node, id);
    EXPECT_EQ(r.status, CallStatus::Succeeded);
    EXPECT_EQ(r.output, id == first ? "one" : "two");
  }
}

TEST_F(ClusterTest, TheQueueIsBounded) {
  state::RedisClient redis(redis_.url());
  CallQueue queue(redis, "nobody", {3, 10}, 60s);
  queue.ensure_group();
  for (int i = 0; i < 3; ++i) queue.enqueue({"alice", "echo"}, "", "x");
  EXPECT_THROW(queue.enqueue({"bob", "echo"}, "", "x"), ClusterQueueFull);
}

TEST_F(ClusterTest, ATenantThatFillsItsShareIsTheOneRefused) {
  state::RedisClient redis(redis_.url());
  CallQueue queue(redis, "h", {10, 2}, 60s);
  queue.ensure_group();
  const FunctionId alice{"alice", "echo"};
  queue.enqueue(alice, "", "1");
  queue.enqueue(alice, "", "2");
  try {
    queue.enqueue(alice, "", "3");
    FAIL() << "alice's third call was queued";
  } catch (const ClusterQueueFull& e) {
    EXPECT_NE(std::string(e.what()).find("tenant alice"), std::string::npos) << e.what();
  }
  const uint64_t bobs = queue.enqueue({"bob", "echo"}, "", "b");  // another tenant is not refused
  EXPECT_TRUE(queue.record(bobs).has_value());

  // A finished call frees its place, once, even when finished twice (run again after a claim).
  auto taken = queue.take(3, 1ms);
  ASSERT_EQ(taken.size(), 3u);
  const QueuedEntry& first = taken[0].function == alice ? taken[0] : taken[1];
  CallRecord done;
  done.status = CallStatus::Succeeded;
  queue.finish(first, done);
  queue.finish(first, done);
  queue.enqueue(alice, "", "4");
  EXPECT_THROW(queue.enqueue(alice, "", "5"), ClusterQueueFull);

  // Bob's call of alice's (shared) function is bob's: his share, his record.
  const uint64_t bobs_of_alices = queue.enqueue(alice, "bob", "6");
  ASSERT_TRUE(queue.record(bobs_of_alices).has_value());
  EXPECT_EQ(queue.record(bobs_of_alices)->owner(), "bob");
  EXPECT_EQ(queue.record(bobs)->owner(), "bob");
  try {
    queue.enqueue(alice, "bob", "7");
    FAIL() << "bob's third call was queued";
  } catch (const ClusterQueueFull& e) {
    EXPECT_NE(std::string(e.what()).find("tenant bob"), std::string::npos) << e.what();
  }
  bool seen = false;
  for (const auto& entry : queue.take(10, 1ms)) {
    if (entry.call_id == bobs_of_alices) seen = entry.tenant == "bob" && entry.function == alice;
  }
  EXPECT_TRUE(seen);
}

// The host that awaits a call (a spilled chained call) is told when it finishes, by whichever
// host ran it; calls nobody awaits tell nobody.
TEST_F(ClusterTest, AFinishedCallTellsTheHostThatAwaitsIt) {
  state::RedisClient redis(redis_.url());
  CallQueue waiter(redis, "h1", {}, 60s);
  CallQueue worker(redis, "h2", {}, 60s);
  waiter.ensure_group();
  const FunctionId fn{"alice", "echo"};
  const uint64_t awaited = waiter.enqueue(fn, "", "a", faaslet::EntryPoint::main(), 1, "h1");
  waiter.enqueue(fn, "", "b");
  EXPECT_TRUE(waiter.awaited_finished(10ms).empty());
  auto taken = worker.take(10, 100ms);
  ASSERT_EQ(taken.size(), 2u);
  CallRecord done;
  done.status = CallStatus::Succeeded;
  for (const auto& entry : taken) worker.finish(entry, done);
  EXPECT_EQ(waiter.awaited_finished(1s), std::vector<uint64_t>{awaited});
  EXPECT_TRUE(waiter.awaited_finished(10ms).empty());
  EXPECT_TRUE(worker.awaited_finished(10ms).empty());
}

// A chained call spilled to another host lives and dies with its caller: when the caller's
// 2 s limit ends it, the child, spinning on the other host under a 60 s limit, is stopped
// there too, and the awaiting host does not wait for it. (The limit leaves the other host time
// to start the child even on a loaded machine: one it had not started would never start, and
// this test would not see the stop.)
TEST_F(ClusterTest, ASpilledCallIsStoppedWithItsCaller) {
  runtime::RuntimeConfig small;
  small.executor_threads = 1;
  small.burst_slots = 0;
  small.limits.timeout = 2s;
  auto a = join("a", small);
  runtime::RuntimeConfig big;
  big.limits.timeout = 60s;
  auto b = join("b", big);
  const FunctionId fn{"alice", "chain_spin"};
  a.runtime->upload_wasm(fn, test::guest_bytes("chain_spin"));
  b.node->sync_now();
  for (int i = 0; i < 300 && a.node->hosts().size() < 2; ++i) std::this_thread::sleep_for(10ms);
  ASSERT_EQ(a.node->hosts().size(), 2u) << "a never saw b";
  // And b's free executors, which the chained call must find to go there.
  bool b_free = false;
  for (int i = 0; i < 300 && !b_free; ++i) {
    b_free = a.node->peer_for(fn.str()).has_value();
    if (!b_free) std::this_thread::sleep_for(10ms);
  }
  ASSERT_TRUE(b_free) << "a never saw b's free executors";

  // On a loaded machine the child may not reach b, or b may take it only after the caller
  // ended (it then never starts): both leave nothing running on b, and the run is tried again
  // until b ran the child and stopped it.
  uint64_t stopped_on_b = 0;
  for (int attempt = 0; attempt < 3 && stopped_on_b == 0; ++attempt) {
    auto r = call(*a.runtime, fn, "");
    EXPECT_EQ(r.status, CallStatus::Failed);
    EXPECT_EQ(r.error_kind, "timeout") << r.error_message;
    runtime::MetricsSnapshot m;
    for (int i = 0; i < 1000; ++i) {
      m = b.runtime->metrics();
      if (m.running == 0 && (m.invocations[{fn.str(), "cancelled"}] > 0 || i >= 50)) break;
      std::this_thread::sleep_for(10ms);
    }
    EXPECT_EQ(m.running, 0u) << "the child still runs on b";
    EXPECT_EQ((m.invocations[{fn.str(), "success"}]), 0u);
    stopped_on_b = m.invocations[{fn.str(), "cancelled"}];
  }
  EXPECT_EQ(stopped_on_b, 1u) << "the child never ran on b";
  EXPECT_EQ(a.runtime->metrics().running, 0u);
}

// A spilled call whose caller stopped waiting before any host took it never starts.
TEST_F(ClusterTest, ACancelledCallThatNoHostTookNeverStarts) {
  state::RedisClient redis(redis_.url());
  CallQueue caller(redis, "h1", {}, 60s);
  caller.ensure_group();
  const FunctionId echo{"alice", "echo"};
  const uint64_t id = caller.enqueue(echo, "", "x", faaslet::EntryPoint::main(), 1, "h1");
  caller.cancel(id, "its caller failed");
  EXPECT_EQ(caller.cancelled({id, id + 1}),
            (std::vector<std::pair<uint64_t, std::string>>{{id, "its caller failed"}}));

  auto b = join("b");
  b.runtime->upload_wasm(echo, test::guest_bytes("echo"));
  auto r = wait_finished(*b.node, id);
  EXPECT_EQ(r.status, CallStatus::Failed);
  EXPECT_EQ(r.error_kind, "cancelled");
  EXPECT_NE(r.error_message.find("its caller failed"), std::string::npos) << r.error_message;
  auto m = b.runtime->metrics();
  EXPECT_EQ((m.invocations[{echo.str(), "success"}]), 0u);
}

}  // namespace
}  // namespace wasmlet::cluster
