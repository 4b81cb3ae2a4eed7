// The runtime without HTTP: uploads, the persistent store, calls with ids and records, the
// bounded queue and results, and shutdown.
#include "runtime/runtime.h"

#include <gtest/gtest.h>

#include <condition_variable>
#include <fstream>
#include <future>
#include <map>
#include <thread>

#include "redis_server.h"
#include "test_support.h"
#include "util/files.h"

namespace wasmlet {
namespace {

namespace fs = std::filesystem;
using runtime::CallRecord;
using runtime::CallStatus;
using runtime::FunctionId;
using namespace std::chrono_literals;

class RuntimeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = test::fresh_test_dir("runtime-tests");
    test::share_compile_cache(dir_);
  }

  std::unique_ptr<runtime::Runtime> make(runtime::RuntimeConfig config = {}) {
    config.data_dir = dir_;
    return std::make_unique<runtime::Runtime>(std::move(config));
  }

  static CallRecord call_sync(runtime::Runtime& rt, const FunctionId& fn, std::string input) {
    std::promise<CallRecord> done;
    auto result = done.get_future();
    rt.submit({fn, std::move(input)}, [&](const CallRecord& r) { done.set_value(r); });
    return result.get();
  }

  static void upload(runtime::Runtime& rt, const FunctionId& fn, const std::string& guest) {
    auto bytes = test::guest_bytes(guest);
    rt.upload_wasm(fn, bytes);
  }

  fs::path dir_;
};

TEST_F(RuntimeTest, UploadThenInvoke) {
  auto rt = make();
  FunctionId echo{"alice", "echo"};
  upload(*rt, echo, "echo");
  auto r = call_sync(*rt, echo, "hello");
  EXPECT_EQ(r.status, CallStatus::Succeeded);
  EXPECT_EQ(r.output, "hello");
  auto listed = rt->functions();
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0].id, echo);
  EXPECT_EQ(rt->call_record(r.id)->output, "hello");
}

TEST_F(RuntimeTest, BadUploadsStoreNothing) {
  auto rt = make();
  auto bad = test::guest_bytes("bad_import");
  EXPECT_THROW(rt->upload_wasm({"alice", "bad"}, bad), runtime::UploadError);
  std::vector<unsigned char> junk = {1, 2, 3};
  EXPECT_THROW(rt->upload_wasm({"alice", "junk"}, junk), runtime::UploadError);
  EXPECT_TRUE(rt->functions().empty());
  EXPECT_FALSE(fs::exists(dir_ / "functions" / "alice" / "bad" / "meta.json"));
}

TEST_F(RuntimeTest, UnknownFunctionsAndPythonWithoutAHomeAreRefused) {
  auto rt = make();  // no python_home
  EXPECT_THROW(rt->submit({{"alice", "nope"}, ""}), runtime::UnknownFunction);
  EXPECT_THROW(rt->upload_python({"alice", "py"}, "def faasm_main():\n    pass\n"),
               runtime::Unsupported);
  EXPECT_FALSE(rt->function({"alice", "py"}));
}

TEST_F(RuntimeTest, TrapsAndTimeoutsAreRecorded) {
  runtime::RuntimeConfig config;
  config.limits.timeout = 200ms;
  auto rt = make(config);
  upload(*rt, {"bob", "trap"}, "trap");
  upload(*rt, {"bob", "spin"}, "spin");
  auto t = call_sync(*rt, {"bob", "trap"}, "");
  EXPECT_EQ(t.status, CallStatus::Failed);
  EXPECT_EQ(t.error_kind, "out_of_bounds");
  auto s = call_sync(*rt, {"bob", "spin"}, "");
  EXPECT_EQ(s.error_kind, "timeout");
  auto metrics = rt->metrics();
  EXPECT_EQ((metrics.invocations[{"bob/trap", "out_of_bounds"}]), 1u);
  EXPECT_EQ((metrics.invocations[{"bob/spin", "timeout"}]), 1u);
}

// The bomb's own exit code comes back when the memory limit stops it. Its time limit is the
// default one: touching 32 MiB took over 200 ms on a loaded CI machine.
TEST_F(RuntimeTest, AMemoryBombEndsWithItsOwnExitCode) {
  runtime::RuntimeConfig config;
  config.limits.memory_pages = 512;  // the bomb gives up at 32 MiB
  auto rt = make(config);
  upload(*rt, {"bob", "membomb"}, "membomb");
  auto m = call_sync(*rt, {"bob", "membomb"}, "");
  EXPECT_EQ(m.status, CallStatus::Failed);
  EXPECT_EQ(m.return_code, 3);
  EXPECT_TRUE(m.error_kind.empty()) << m.error_kind;
  EXPECT_NE(m.output.find("allocated"), std::string::npos) << m.output;
}

// Each finished call is counted once, under its own function, however many threads finish
// calls at once (inline and on the executors), and the counts outlive the function's eviction.
TEST_F(RuntimeTest, MetricsCountEachFunctionsCallsUnderConcurrency) {
  runtime::RuntimeConfig config;
  config.executor_threads = 2;
  config.max_inline_calls = 4;
  config.max_live_functions = 1;  // the two functions keep evicting each other
  auto rt = make(config);
  const FunctionId alice{"alice", "echo"}, bob{"bob", "echo"};
  upload(*rt, alice, "echo");
  upload(*rt, bob, "echo");
  constexpr int kThreads = 4, kCalls = 50;
  std::atomic<int> failed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      const FunctionId& fn = t % 2 == 0 ? alice : bob;
      for (int i = 0; i < kCalls; ++i) {
        runtime::Invocation invocation{fn, "x"};
        std::promise<CallRecord> done;
        auto result = done.get_future();
        runtime::Completion completion = [&done](CallRecord r) { done.set_value(std::move(r)); };
        if (!rt->try_run_inline(invocation, completion)) {
          rt->submit(std::move(invocation), std::move(completion));
        }
        if (result.get().status != CallStatus::Succeeded) ++failed;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failed, 0);
  auto m = rt->metrics();
  constexpr uint64_t kEach = kThreads / 2 * kCalls;
  EXPECT_EQ(m.invocations.size(), 2u);
  for (const std::string name : {"alice/echo", "bob/echo"}) {
    EXPECT_EQ((m.invocations[{name, "success"}]), kEach) << name;
    const runtime::Histogram& latency = m.latency[name];
    EXPECT_EQ(latency.count, kEach) << name;
    uint64_t in_buckets = 0;
    for (uint64_t n : latency.buckets) in_buckets += n;
    EXPECT_EQ(in_buckets, kEach) << name;
  }
}

// A reset that takes long (the call grew its memory by 4 MiB) is handed to an idle executor
// once the call's result is out, inline calls' too; every call must still find the snapshot,
// its grown memory zero, whichever thread reset its Faaslet.
TEST_F(RuntimeTest, ResetsHandedToIdleExecutorsStillGiveEveryCallTheSnapshot) {
  runtime::RuntimeConfig config;
  config.executor_threads = 2;
  config.max_inline_calls = 1;
  config.inline_call_limit = 1s;
  auto rt = make(config);
  const FunctionId fn{"ann", "heavy_reset"};
  upload(*rt, fn, "heavy_reset");
  for (int i = 0; i < 60; ++i) {
    runtime::Invocation invocation{fn, std::to_string(i)};
    std::promise<CallRecord> done;
    auto result = done.get_future();
    runtime::Completion completion = [&done](CallRecord r) { done.set_value(std::move(r)); };
    if (i % 2 == 0 || !rt->try_run_inline(invocation, completion)) {
      rt->submit(std::move(invocation), std::move(completion));
    }
    CallRecord r = result.get();
    ASSERT_EQ(r.status, CallStatus::Succeeded) << r.error_message;
    EXPECT_EQ(r.output, "counter=0 grown=zero statics=zero") << "call " << i;
  }
  // Another core is needed for a hand-off to pay.
  if (std::thread::hardware_concurrency() >= 2) {
    EXPECT_GT(rt->metrics().handed_resets, 0u);
  }
}

// RuntimeConfig::hand_over_resets off: every reset is done on its call's thread.
TEST_F(RuntimeTest, ResetsStayOnTheCallsThreadWhenHandingOverIsOff) {
  runtime::RuntimeConfig config;
  config.hand_over_resets = false;
  auto rt = make(config);
  const FunctionId fn{"ann", "heavy_reset"};
  upload(*rt, fn, "heavy_reset");
  for (int i = 0; i < 20; ++i) {
    EXPECT_EQ(call_sync(*rt, fn, std::to_string(i)).output, "counter=0 grown=zero statics=zero");
  }
  EXPECT_EQ(rt->metrics().handed_resets, 0u);
}

TEST_F(RuntimeTest, SurvivesARestartWithoutRecompiling) {
  FunctionId hello{"carol", "hello"};
  {
    auto rt = make();
    upload(*rt, hello, "hello");
  }
  auto count_objects = [&] {
    size_t n = 0;
    for (const auto& e : fs::recursive_directory_iterator(dir_ / "cache")) {
      n += e.path().extension() == ".so";
    }
    return n;
  };
  size_t before = count_objects();
  auto rt = make();
  ASSERT_TRUE(rt->function(hello));
  auto r = call_sync(*rt, hello, "dave");
  EXPECT_EQ(r.output, "Hello, dave!\n");
  EXPECT_EQ(count_objects(), before);
}

TEST_F(RuntimeTest, RemovingAFunctionForgetsIt) {
  auto rt = make();
  FunctionId echo{"erin", "echo"};
  upload(*rt, echo, "echo");
  EXPECT_EQ(call_sync(*rt, echo, "x").output, "x");
  EXPECT_TRUE(rt->remove_function(echo));
  EXPECT_FALSE(rt->remove_function(echo));
  EXPECT_THROW(rt->submit({echo, ""}), runtime::UnknownFunction);
  EXPECT_FALSE(fs::exists(dir_ / "functions" / "erin" / "echo"));
}

TEST_F(RuntimeTest, FullQueueRefusesAndRecovers) {
  runtime::RuntimeConfig config;
  config.executor_threads = 1;
  config.queue.capacity = 2;
  config.limits.timeout = 300ms;
  auto rt = make(config);
  upload(*rt, {"f", "spin"}, "spin");
  upload(*rt, {"f", "echo"}, "echo");
  std::vector<uint64_t> ids;
  int refused = 0;
  for (int i = 0; i < 6; ++i) {
    try {
      ids.push_back(rt->submit({{"f", "spin"}, ""}));
    } catch (const runtime::QueueFull&) {
      ++refused;
    }
  }
  EXPECT_GE(refused, 3);  // one running, two queued, the rest refused
  EXPECT_GE(rt->metrics().rejected, 3u);
  rt->shutdown();  // finishes what was accepted
  for (auto id : ids) EXPECT_EQ(rt->call_record(id)->status, CallStatus::Failed);
  EXPECT_THROW(rt->submit({{"f", "echo"}, ""}), runtime::ShuttingDown);
}

TEST_F(RuntimeTest, FreeExecutorsCountsWhatANewCallWouldFind) {
  runtime::RuntimeConfig config;
  config.executor_threads = 2;
  config.limits.timeout = 2s;
  auto rt = make(config);
  upload(*rt, {"f", "spin"}, "spin");
  EXPECT_EQ(rt->free_executors(), 2u);
  EXPECT_FALSE(rt->saturated());
  for (int i = 0; i < 3; ++i) rt->submit({{"f", "spin"}, ""});
  // Two run and one waits: none is free, whether the third is still queued or not.
  EXPECT_EQ(rt->free_executors(), 0u);
  EXPECT_TRUE(rt->saturated());
  rt->shutdown();
  EXPECT_EQ(rt->free_executors(), 2u);
}

TEST_F(RuntimeTest, ACallWhoseFunctionIsDeletedBeforeItRunsFailsAsUnknown) {
  runtime::RuntimeConfig config;
  config.executor_threads = 1;
  config.limits.timeout = 300ms;
  auto rt = make(config);
  upload(*rt, {"g", "spin"}, "spin");
  upload(*rt, {"g", "echo"}, "echo");
  rt->submit({{"g", "spin"}, ""});  // holds the only executor for 300 ms
  std::promise<CallRecord> done;
  auto result = done.get_future();
  rt->submit({{"g", "echo"}, "x"}, [&](const CallRecord& r) { done.set_value(r); });
  EXPECT_TRUE(rt->remove_function({"g", "echo"}));
  CallRecord r = result.get();
  EXPECT_EQ(r.status, CallStatus::Failed);
  EXPECT_EQ(r.error_kind, "unknown_function");
}

TEST_F(RuntimeTest, FinishedResultsAreBounded) {
  runtime::RuntimeConfig config;
  config.results.max_results = 50;
  auto rt = make(config);
  FunctionId echo{"g", "echo"};
  upload(*rt, echo, "echo");
  uint64_t first = call_sync(*rt, echo, "first").id;
  uint64_t last = 0;
  for (int i = 0; i < 200; ++i) last = call_sync(*rt, echo, std::to_string(i)).id;
  EXPECT_FALSE(rt->call_record(first));  // pruned, oldest first
  EXPECT_EQ(rt->call_record(last)->output, "199");
}

TEST_F(RuntimeTest, AsyncCallsCanBePolled) {
  auto rt = make();
  FunctionId echo{"h", "echo"};
  upload(*rt, echo, "echo");
  uint64_t id = rt->submit({echo, "later"});
  for (int i = 0; i < 1000; ++i) {
    auto r = rt->call_record(id);
    ASSERT_TRUE(r);
    if (r->status == CallStatus::Succeeded) {
      EXPECT_EQ(r->output, "later");
      return;
    }
    std::this_thread::sleep_for(5ms);
  }
  FAIL() << "the call never finished";
}

TEST_F(RuntimeTest, ChainedCallsByNameReturnOutputsAndFailures) {
  auto rt = make();
  upload(*rt, {"ann", "chain_named"}, "chain_named");
  upload(*rt, {"ann", "echo"}, "echo");
  upload(*rt, {"ann", "trap"}, "trap");
  auto r = call_sync(*rt, {"ann", "chain_named"}, "");
  EXPECT_EQ(r.status, CallStatus::Succeeded) << r.error_message;
  EXPECT_EQ(r.output, "echo=0:via echo trap=1");
}

// A composition for the tests: its name's calls run function `step` `steps` times in sequence,
// each on the previous one's output, submitted from the previous one's completion.
class SequenceRunner final : public runtime::CompositeRunner {
 public:
  SequenceRunner(runtime::Runtime& rt, FunctionId name, std::string step, int steps)
      : rt_(rt), name_(std::move(name)), step_(std::move(step)), steps_(steps) {}
  bool contains(const FunctionId& id) const override { return id == name_; }
  void start(uint64_t, runtime::Invocation invocation, runtime::Completion done) override {
    started_on = std::this_thread::get_id();
    next(invocation.node, std::move(invocation.input), steps_, std::move(done));
  }
  std::atomic<std::thread::id> started_on;

 private:
  void next(std::shared_ptr<runtime::CallNode> node, std::string input, int left,
            runtime::Completion done) {
    if (left == 0) {
      CallRecord r;
      r.status = CallStatus::Succeeded;
      r.output = std::move(input);
      return done(std::move(r));
    }
    runtime::Invocation step{{name_.user, step_}, std::move(input)};
    step.node = node->start_child();
    rt_.submit(std::move(step), [this, node, left, done](CallRecord r) {
      if (r.status != CallStatus::Succeeded) return done(std::move(r));
      next(node, std::move(r.output), left - 1, done);
    });
  }

  runtime::Runtime& rt_;
  FunctionId name_;
  std::string step_;
  int steps_;
};

TEST_F(RuntimeTest, CompositeCallsRunStepsFromCompletionsAndCanBeChained) {
  auto rt = make();
  upload(*rt, {"ann", "real_echo"}, "echo");
  SequenceRunner runner(*rt, {"ann", "echo"}, "real_echo", 50);
  rt->set_composite_runner(&runner);
  auto r = call_sync(*rt, {"ann", "echo"}, "passed along");
  EXPECT_EQ(r.status, CallStatus::Succeeded) << r.error_message;
  EXPECT_EQ(r.output, "passed along");
  EXPECT_EQ(rt->call_record(r.id)->function, (FunctionId{"ann", "echo"}));
  // Started by an executor, not by the submitting thread (an HTTP server's I/O thread).
  EXPECT_NE(runner.started_on.load(), std::this_thread::get_id());
  // A guest chains the composition by name and awaits it like a function.
  upload(*rt, {"ann", "chain_named"}, "chain_named");
  upload(*rt, {"ann", "trap"}, "trap");
  auto chained = call_sync(*rt, {"ann", "chain_named"}, "");
  EXPECT_EQ(chained.status, CallStatus::Succeeded) << chained.error_message;
  EXPECT_EQ(chained.output, "echo=0:via echo trap=1");
  // Its name is not free for a function.
  EXPECT_THROW(upload(*rt, {"ann", "echo"}, "echo"), runtime::UploadError);
  rt->shutdown();
  rt->set_composite_runner(nullptr);
}

TEST_F(RuntimeTest, FanOutDeeperAndWiderThanTheExecutorsCompletes) {
  runtime::RuntimeConfig config;
  config.executor_threads = 2;
  auto rt = make(config);
  upload(*rt, {"tree", "chain_tree"}, "chain_tree");
  // 1 + 4 + 16 + 64 nodes, every inner node blocked awaiting its children.
  auto r = call_sync(*rt, {"tree", "chain_tree"}, "0 4 3");
  EXPECT_EQ(r.status, CallStatus::Succeeded) << r.error_message;
  EXPECT_EQ(r.output, "85");
}

TEST_F(RuntimeTest, AChainedCallRunsWhileItsCallerKeepsRunningWithoutAwaitingIt) {
  // The caller's chained call is queued without waking an executor (its caller usually awaits
  // it at once and runs it itself); here the caller waits for the call's effect instead, so
  // only the runtime's watchdog can start it. Without one this call would spin until its limit.
  runtime::RuntimeConfig config;
  config.executor_threads = 2;
  config.limits.timeout = 30s;
  auto rt = make(config);
  upload(*rt, {"ann", "chain_unawaited"}, "chain_unawaited");
  for (int i = 0; i < 3; ++i) {
    auto r = call_sync(*rt, {"ann", "chain_unawaited"}, "flag" + std::to_string(i));
    EXPECT_EQ(r.status, CallStatus::Succeeded) << r.error_kind << ": " << r.error_message;
    EXPECT_EQ(r.output, "ok");
  }
}

TEST_F(RuntimeTest, ChainDepthIsLimited) {
  runtime::RuntimeConfig config;
  config.call_budget.max_depth = 3;
  auto rt = make(config);
  upload(*rt, {"deep", "chain_tree"}, "chain_tree");
  auto r = call_sync(*rt, {"deep", "chain_tree"}, "0 1 5");
  EXPECT_EQ(r.status, CallStatus::Failed);  // the node at depth 3 may not chain further
}

TEST_F(RuntimeTest, KeptRecordsDropOutputsAboveTheThreshold) {
  runtime::RuntimeConfig config;
  config.results.max_kept_output = 4096;
  auto rt = make(config);
  FunctionId echo{"big", "echo"};
  upload(*rt, echo, "echo");
  std::promise<CallRecord> done;
  auto result = done.get_future();
  uint64_t id =
      rt->submit({echo, std::string(10000, 'x')}, [&](const CallRecord& r) { done.set_value(r); });
  CallRecord awaited = result.get();
  EXPECT_EQ(awaited.output, std::string(10000, 'x'));  // the awaiting caller gets all of it
  auto kept = rt->call_record(id);
  ASSERT_TRUE(kept);
  EXPECT_EQ(kept->status, CallStatus::Succeeded);
  EXPECT_TRUE(kept->output.empty());
  EXPECT_EQ(kept->error_kind, "output_dropped");
  EXPECT_NE(kept->error_message.find("10000 bytes"), std::string::npos) << kept->error_message;
  EXPECT_EQ(call_sync(*rt, echo, "small").output, "small");
}

TEST_F(RuntimeTest, KeptRecordsAreBoundedInBytesOldestFirst) {
  runtime::RuntimeConfig config;
  config.results.max_bytes = 100 << 10;
  auto rt = make(config);
  FunctionId echo{"big", "echo"};
  upload(*rt, echo, "echo");
  std::vector<uint64_t> ids;
  for (int i = 0; i < 10; ++i) {
    std::promise<CallRecord> done;
    auto result = done.get_future();
    ids.push_back(rt->submit({echo, std::string(30 << 10, static_cast<char>('a' + i))},
                             [&](const CallRecord& r) { done.set_value(r); }));
    EXPECT_EQ(result.get().output.size(), size_t{30} << 10);
  }
  size_t kept_bytes = 0;
  for (uint64_t id : ids) {
    if (auto r = rt->call_record(id)) kept_bytes += r->output.size();
  }
  EXPECT_LE(kept_bytes, size_t{100} << 10);
  EXPECT_FALSE(rt->call_record(ids.front()));  // the oldest went first
  auto newest = rt->call_record(ids.back());
  ASSERT_TRUE(newest);
  EXPECT_EQ(newest->output, std::string(30 << 10, 'j'));
}

// A reset keeps a reused Faaslet's grown pages behind PROT_NONE, but never pages that a call
// mapped state into: growing again must give zeros, not the segment.
TEST_F(RuntimeTest, MemoryThatHeldMappedStateComesBackZeroed) {
  runtime::RuntimeConfig config;
  config.executor_threads = 1;
  config.max_idle_faaslets = 1;  // one Faaslet serves every call
  auto rt = make(config);
  upload(*rt, {"mapper", "m"}, "state_map_grow");
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(call_sync(*rt, {"mapper", "m"}, "grow").output, "zeros");
    EXPECT_EQ(call_sync(*rt, {"mapper", "m"}, "map").output, "mapped");
    EXPECT_EQ(call_sync(*rt, {"mapper", "m"}, "grow").output, "zeros") << "round " << i;
  }
}

TEST_F(RuntimeTest, ACallMayTouchOnlySoManyStateKeys) {
  runtime::RuntimeConfig config;
  config.max_state_keys_per_call = 16;
  auto rt = make(config);
  upload(*rt, {"keys", "many"}, "state_many_keys");
  auto ok = call_sync(*rt, {"keys", "many"}, "16 3");  // keys written again count once
  EXPECT_EQ(ok.status, CallStatus::Succeeded) << ok.error_message;
  auto r = call_sync(*rt, {"keys", "many"}, "17 1");
  EXPECT_EQ(r.status, CallStatus::Failed);
  EXPECT_EQ(r.error_kind, "host_error");
  EXPECT_NE(r.error_message.find("at most 16 distinct state keys"), std::string::npos)
      << r.error_message;
  // The count is per call: the next call starts from zero.
  auto again = call_sync(*rt, {"keys", "many"}, "16 1");
  EXPECT_EQ(again.status, CallStatus::Succeeded) << again.error_message;
}

TEST_F(RuntimeTest, StateCountsAgainstAPerTenantBudget) {
  runtime::RuntimeConfig config;
  config.max_state_bytes_per_tenant = 1 << 20;
  auto rt = make(config);
  upload(*rt, {"greedy", "ops"}, "state_ops");
  upload(*rt, {"modest", "ops"}, "state_ops");
  auto r = call_sync(*rt, {"greedy", "ops"}, "woff big 2000000 0 x");
  EXPECT_EQ(r.status, CallStatus::Failed);
  EXPECT_NE(r.error_message.find("past its limit of 1048576"), std::string::npos)
      << r.error_message;
  EXPECT_FALSE(rt->state().get("greedy", "big"));
  r = call_sync(*rt, {"greedy", "ops"}, "paddr big2 2000000");
  EXPECT_EQ(r.status, CallStatus::Failed);
  EXPECT_NE(r.error_message.find("past its limit"), std::string::npos) << r.error_message;
  // Within the budget, and other tenants, work as before.
  EXPECT_EQ(call_sync(*rt, {"greedy", "ops"}, "woff k 500000 0 x").status, CallStatus::Succeeded);
  EXPECT_EQ(call_sync(*rt, {"modest", "ops"}, "woff k 900000 0 x").status, CallStatus::Succeeded);
  // A value written from outside for a key on this host counts too, and fails before it is
  // stored anywhere.
  EXPECT_THROW(rt->state().put("greedy", "k", std::string(2 << 20, 'x')), Error);
  EXPECT_EQ(call_sync(*rt, {"greedy", "ops"}, "roff k 500000 0 1").output, "x");
}

// Every state test runs on both global backends: in process, and a real redis-server.
class StateTest : public RuntimeTest, public ::testing::WithParamInterface<std::string> {
 protected:
  void SetUp() override {
    RuntimeTest::SetUp();
    runtime::RuntimeConfig config;
    if (GetParam() == "redis") {
      redis_ = std::make_unique<test::RedisServer>();
      config.state_url = redis_->url();
    }
    rt_ = make(config);
    for (const char* fn : {"ops", "ops2"}) upload(*rt_, {"st", fn}, "state_ops");
    upload(*rt_, {"other", "ops"}, "state_ops");
  }
  std::string run(const std::string& input, const std::string& fn = "ops",
                  const std::string& user = "st") {
    auto r = call_sync(*rt_, {user, fn}, input);
    EXPECT_EQ(r.status, CallStatus::Succeeded) << input << ": " << r.error_message;
    return r.output;
  }
  CallRecord run_record(const std::string& input) { return call_sync(*rt_, {"st", "ops"}, input); }
  std::unique_ptr<test::RedisServer> redis_;
  std::unique_ptr<runtime::Runtime> rt_;
};

INSTANTIATE_TEST_SUITE_P(Backends, StateTest, ::testing::Values("memory", "redis"));

TEST_P(StateTest, FilesGoToState) {
  std::ofstream(dir_ / "shared" / "input.txt") << "from a file";
  EXPECT_EQ(run("wfile fromfile /input.txt"), "11");
  EXPECT_EQ(rt_->state().get("st", "fromfile"), "from a file");
  EXPECT_EQ(run_record("wfile k /../../etc/passwd").status, CallStatus::Failed);
}

TEST_P(StateTest, MaskedPartialPushSendsOnlyMaskedBytes) {
  rt_->state().put("st", "vec", "abcdefgh");
  EXPECT_EQ(run("woff mask 8 2 XX"), "ok");  // mask bytes 2-3 set (non-zero)
  EXPECT_EQ(run("woff vec 8 0 ABCDEFGH"), "ok");
  EXPECT_EQ(run("pushm vec mask"), "ok");
  EXPECT_EQ(rt_->state().get("st", "vec"), "abCDefgh");
}

TEST_P(StateTest, AResetFaasletNeverSeesAnEarlierMapping) {
  std::string addr = run("paddr stale 4096");
  EXPECT_EQ(run("pwrite stale 4096 0 x"), "ok");
  // The next call on a restored Faaslet: the pages that held the mapping are gone.
  auto r = run_record("peek " + addr);
  EXPECT_EQ(r.status, CallStatus::Failed);
  EXPECT_EQ(r.error_kind, "out_of_bounds");
}

TEST_P(StateTest, WriteReadAndNamespaces) {
  EXPECT_EQ(run("write greeting hello"), "ok");
  EXPECT_EQ(run("read greeting"), "hello");
  EXPECT_EQ(run("size greeting"), "5");
  EXPECT_EQ(rt_->state().get("st", "greeting"), "hello");  // write_state pushes
  EXPECT_EQ(run("size greeting", "ops", "other"), "0");    // another user's namespace
  rt_->state().put("st", "fromhttp", "abc");
  EXPECT_EQ(run("read fromhttp"), "abc");
}

TEST_P(StateTest, OffsetsAndPartialPush) {
  EXPECT_EQ(run("woff vec 16 4 ABCD"), "ok");
  EXPECT_EQ(run("roff vec 16 4 4"), "ABCD");
  EXPECT_FALSE(rt_->state().get("st", "vec"));  // not pushed yet
  EXPECT_EQ(run("pushp vec"), "ok");
  EXPECT_EQ(rt_->state().get_range("st", "vec", 4, 4), "ABCD");
}

TEST_P(StateTest, MappedPointersAreSharedWithoutPushOrPull) {
  // One function writes through its mapped pointer; another Faaslet, of another function of
  // the same user, reads the bytes through its own mapping: plain stores and loads.
  EXPECT_EQ(run("pwrite shared 100000 70000 hi-there"), "ok");
  EXPECT_EQ(run("pread shared 100000 70000 8", "ops2"), "hi-there");
  EXPECT_FALSE(rt_->state().get("st", "shared"));  // nothing went to the global tier
  EXPECT_EQ(run("push shared"), "ok");
  EXPECT_EQ(rt_->state().get_range("st", "shared", 70000, 8), "hi-there");
}

TEST_P(StateTest, AppendedState) {
  EXPECT_EQ(run("append log one"), "ok");
  EXPECT_EQ(run("append log two"), "ok");
  EXPECT_EQ(run("appended log 2"), "onetwo");
  EXPECT_EQ(run("clear log"), "ok");
  EXPECT_EQ(run("appended log 2"), "");
}

TEST_P(StateTest, LocksAreReleasedWhenACallEnds) {
  EXPECT_EQ(run("lockw k"), "ok");   // leaves the write lock held
  EXPECT_EQ(run("locked k"), "ok");  // would hang if the reset had not released it
}

TEST_P(StateTest, HttpWritesReachFunctionsThatTouchedTheKey) {
  EXPECT_EQ(run("write k old-value"), "ok");  // this host now has a local segment for k
  rt_->state().put("st", "k", "new");         // what PUT /s/st/k does
  EXPECT_EQ(run("read k"), "new");
  EXPECT_EQ(run("size k"), "3");
  rt_->state().put_range("st", "k", 0, "N");
  EXPECT_EQ(run("read k"), "New");
}

TEST_P(StateTest, AShorterWriteLeavesAShorterValueInBothTiers) {
  EXPECT_EQ(run("write k 12345678"), "ok");
  EXPECT_EQ(run("write k ab"), "ok");
  EXPECT_EQ(run("size k"), "2");
  EXPECT_EQ(run("read k"), "ab");
  EXPECT_EQ(rt_->state().get("st", "k"), "ab");
}

TEST_P(StateTest, AFailedMappingDoesNotGrowTheKey) {
  rt_->state().put("st", "k", "abc");
  // 2 GiB does not fit the default 1 GiB memory limit: the call fails...
  auto r = run_record("paddr k 2147483647");
  EXPECT_EQ(r.status, CallStatus::Failed);
  EXPECT_NE(r.error_message.find("guest memory"), std::string::npos) << r.error_message;
  // ...and the key keeps its size for every later call.
  EXPECT_EQ(run("size k"), "3");
  EXPECT_EQ(run("read k"), "abc");
  EXPECT_EQ(run_record("paddr fresh 2147483647").status, CallStatus::Failed);
  EXPECT_EQ(run("size fresh"), "0");
}

TEST_P(StateTest, BadSizesFailTheCallOnly) {
  for (const char* bad : {"roff k 16 12 8", "woff k 16 17 x", "roff k -1 0 4", "pread k 8 4 8"}) {
    auto r = run_record(bad);
    EXPECT_EQ(r.status, CallStatus::Failed) << bad;
    EXPECT_EQ(r.error_kind, "host_error") << bad;
    EXPECT_NE(r.error_message.find("state"), std::string::npos) << r.error_message;
  }
  EXPECT_EQ(run("write k fine"), "ok");  // the host and the function are fine
}

TEST_F(RuntimeTest, ModuleAndCompileLimitsAreConfigurable) {
  runtime::RuntimeConfig config;
  config.module_limits.bytes = 1000;
  auto rt = make(config);
  try {
    upload(*rt, {"lim", "echo"}, "echo");
    FAIL() << "a module larger than the configured limit was accepted";
  } catch (const runtime::UploadError& e) {
    EXPECT_NE(std::string(e.what()).find("1000"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(rt->function({"lim", "echo"}));
}

// --- Scheduling: no head-of-line blocking, fair shares, call trees, per-tenant results ---

// Sets a flag and wakes a waiter when a call finishes; keeps the order calls finished in.
class Finishes {
 public:
  runtime::Completion note(std::string name) {
    return [this, name = std::move(name)](const CallRecord& r) {
      std::lock_guard lock(mutex_);
      order_.push_back(name);
      records_[name] = r;
      cv_.notify_all();
    };
  }
  CallRecord wait(const std::string& name) {
    std::unique_lock lock(mutex_);
    cv_.wait(lock, [&] { return records_.contains(name); });
    return records_[name];
  }
  bool done(const std::string& name) {
    std::lock_guard lock(mutex_);
    return records_.contains(name);
  }
  std::vector<std::string> order() {
    std::lock_guard lock(mutex_);
    return order_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  std::vector<std::string> order_;
  std::map<std::string, CallRecord> records_;
};

TEST_F(RuntimeTest, AColdBuildBlocksNeitherOtherFunctionsNorMetrics) {
  runtime::RuntimeConfig config;
  config.executor_threads = 2;
  config.burst_slots = 0;
  Finishes finished;  // outlives the runtime, whose last calls may still report to it
  auto rt = make(config);
  upload(*rt, {"cold", "slow"}, "slow_zygote");
  upload(*rt, {"warm", "echo"}, "echo");
  EXPECT_EQ(call_sync(*rt, {"warm", "echo"}, "warm up").output, "warm up");
  // Two callers of the cold function: one builds its Proto-Faaslet (a second of zygote), the
  // other waits for that build without holding the second executor.
  rt->submit({{"cold", "slow"}, ""}, finished.note("slow 1"));
  rt->submit({{"cold", "slow"}, ""}, finished.note("slow 2"));
  std::this_thread::sleep_for(100ms);  // let both start
  for (int i = 0; i < 20; ++i) {
    rt->metrics();  // would wait for the build while holding the registry lock
    rt->submit({{"warm", "echo"}, std::to_string(i)}, finished.note("echo " + std::to_string(i)));
    finished.wait("echo " + std::to_string(i));
  }
  EXPECT_FALSE(finished.done("slow 1")) << "the zygote finished before the warm calls did";
  EXPECT_EQ(finished.wait("slow 1").output, "ready");
  EXPECT_EQ(finished.wait("slow 2").output, "ready");
  EXPECT_EQ(rt->metrics().snapshots, 2u);  // the cold function was built once
}

TEST_F(RuntimeTest, ATenantWithNothingRunningIsNotStarvedByAnotherTenantsLongCalls) {
  runtime::RuntimeConfig config;
  config.executor_threads = 2;
  config.limits.timeout = 1500ms;
  Finishes finished;  // outlives the runtime, whose last calls may still report to it
  auto rt = make(config);
  upload(*rt, {"hog", "spin"}, "spin");
  upload(*rt, {"meek", "echo"}, "echo");
  EXPECT_EQ(call_sync(*rt, {"meek", "echo"}, "x").output, "x");
  for (int i = 0; i < 6; ++i) rt->submit({{"hog", "spin"}, ""}, finished.note("spin"));
  std::this_thread::sleep_for(50ms);  // both executors now spin until their time limit
  for (int i = 0; i < 5; ++i) {
    std::string name = "echo " + std::to_string(i);
    rt->submit({{"meek", "echo"}, name}, finished.note(name));
    EXPECT_EQ(finished.wait(name).output, name);
  }
  // Every short call ran on a burst slot while the hog's calls held the executors.
  auto order = finished.order();
  ASSERT_GE(order.size(), 5u);
  for (size_t i = 0; i < 5; ++i) EXPECT_EQ(order[i], "echo " + std::to_string(i));
}

TEST_F(RuntimeTest, WithoutBurstsTenantsTakeTurnsInTheQueue) {
  runtime::RuntimeConfig config;
  config.executor_threads = 1;
  config.burst_slots = 0;
  config.limits.timeout = 200ms;
  Finishes finished;  // outlives the runtime, whose last calls may still report to it
  auto rt = make(config);
  upload(*rt, {"hog", "spin"}, "spin");
  upload(*rt, {"meek", "echo"}, "echo");
  for (int i = 0; i < 4; ++i) {
    rt->submit({{"hog", "spin"}, ""}, finished.note("spin " + std::to_string(i)));
  }
  rt->submit({{"meek", "echo"}, "x"}, finished.note("echo"));
  finished.wait("spin 3");
  auto order = finished.order();
  // Queued behind four of the hog's calls, the echo still ran second: the tenants alternate.
  ASSERT_GE(order.size(), 2u);
  EXPECT_EQ(order[1], "echo");
}

TEST_F(RuntimeTest, AFullQueueRefusesTheTenantThatFilledIt) {
  runtime::RuntimeConfig config;
  config.executor_threads = 1;
  config.burst_slots = 0;
  config.queue.per_tenant = 2;
  config.limits.timeout = 300ms;
  Finishes finished;  // outlives the runtime, whose last calls may still report to it
  auto rt = make(config);
  upload(*rt, {"hog", "spin"}, "spin");
  upload(*rt, {"meek", "echo"}, "echo");
  int refused = 0;
  for (int i = 0; i < 6; ++i) {
    try {
      rt->submit({{"hog", "spin"}, ""});
    } catch (const runtime::QueueFull& e) {
      ++refused;
      EXPECT_NE(std::string(e.what()).find("tenant hog"), std::string::npos) << e.what();
    }
  }
  EXPECT_GE(refused, 3);
  EXPECT_NO_THROW(rt->submit({{"meek", "echo"}, "still served"}, finished.note("echo")));
  EXPECT_EQ(finished.wait("echo").output, "still served");
}

TEST_F(RuntimeTest, AChainBombEndsAtTheTreeBudgetAndLeavesTheQueueEmpty) {
  runtime::RuntimeConfig config;
  config.executor_threads = 2;
  config.call_budget.max_calls = 300;
  Finishes finished;  // outlives the runtime, whose last calls may still report to it
  auto rt = make(config);
  upload(*rt, {"bomb", "chain_tree"}, "chain_tree");
  // Fan-out 16, depth 8: 4.8 million calls if nothing stopped it.
  rt->submit({{"bomb", "chain_tree"}, "0 16 8"}, finished.note("root"));
  CallRecord root = finished.wait("root");
  EXPECT_EQ(root.status, CallStatus::Failed);
  EXPECT_EQ(rt->metrics().queue_depth, 0u);  // nothing of the tree is left to run
  for (int i = 0; i < 500 && rt->metrics().running > 0; ++i) std::this_thread::sleep_for(10ms);
  EXPECT_EQ(rt->metrics().running, 0u);
  auto m = rt->metrics();
  uint64_t calls = 0;
  for (const auto& [key, count] : m.invocations) calls += count;
  EXPECT_LE(calls, 300u);  // the budget, the root included
}

// A call holds its chained calls' outputs until it reads them; past its bound an output is
// dropped, and only awaiting that output fails, naming the bound.
TEST_F(RuntimeTest, AChainedCallsOutputsHeldByTheirCallerAreBounded) {
  runtime::RuntimeConfig config;
  config.max_held_chain_output_bytes = 1 << 20;
  auto rt = make(config);
  upload(*rt, {"fan", "chain_fan_output"}, "chain_fan_output");
  upload(*rt, {"fan", "echo"}, "echo");
  auto within = call_sync(*rt, {"fan", "chain_fan_output"}, "2 400000");
  EXPECT_EQ(within.status, CallStatus::Succeeded) << within.error_message;
  EXPECT_EQ(within.output, "outputs=400000,400000,");
  // The third output would make 1.2 MB: its status comes back, its output does not.
  auto past = call_sync(*rt, {"fan", "chain_fan_output"}, "3 400000");
  EXPECT_EQ(past.status, CallStatus::Failed);
  EXPECT_EQ(past.stdout_text, "status=0,0,0,\n");
  EXPECT_NE(past.error_message.find("was not kept"), std::string::npos) << past.error_message;
  EXPECT_NE(past.error_message.find("at most 1048576 bytes"), std::string::npos)
      << past.error_message;
  // An output read is handed over: reading them one at a time holds one at a time.
  auto one_by_one = call_sync(*rt, {"fan", "chain_fan_output"}, "6 400000 seq");
  EXPECT_EQ(one_by_one.status, CallStatus::Succeeded) << one_by_one.error_message;
  EXPECT_EQ(one_by_one.output, "outputs=400000,400000,400000,400000,400000,400000,");
}

TEST_F(RuntimeTest, ARunningCallCanBeCancelledWithEverythingItChained) {
  runtime::RuntimeConfig config;
  config.limits.timeout = 30s;
  Finishes finished;  // outlives the runtime, whose last calls may still report to it
  auto rt = make(config);
  upload(*rt, {"c", "spin"}, "spin");
  uint64_t id = rt->submit({{"c", "spin"}, ""}, finished.note("spin"));
  std::this_thread::sleep_for(100ms);
  EXPECT_TRUE(rt->cancel(id, "the client went away"));
  CallRecord r = finished.wait("spin");
  EXPECT_EQ(r.error_kind, "cancelled");  // not "timeout": it was interrupted, 30 s early
  EXPECT_NE(r.error_message.find("the client went away"), std::string::npos) << r.error_message;
  EXPECT_FALSE(rt->cancel(id, "again"));  // finished calls are not roots any more
}

TEST_F(RuntimeTest, AFailedParentTakesItsQueuedChildrenWithIt) {
  runtime::RuntimeConfig config;
  config.executor_threads = 1;
  config.burst_slots = 0;
  config.limits.timeout = 300ms;
  auto rt = make(config);
  upload(*rt, {"tree", "chain_tree"}, "chain_tree");
  // Every node spins waiting on its children until the 300 ms tree budget runs out.
  auto r = call_sync(*rt, {"tree", "chain_tree"}, "0 3 12");
  EXPECT_EQ(r.status, CallStatus::Failed);
  for (int i = 0; i < 500 && rt->metrics().running > 0; ++i) std::this_thread::sleep_for(10ms);
  auto m = rt->metrics();
  EXPECT_EQ(m.queue_depth, 0u);
  EXPECT_EQ(m.running, 0u);
}

TEST_F(RuntimeTest, OneTenantsLoadDoesNotEvictAnothersResults) {
  runtime::RuntimeConfig config;
  config.results.max_results_per_tenant = 20;
  auto rt = make(config);
  upload(*rt, {"quiet", "echo"}, "echo");
  upload(*rt, {"loud", "echo"}, "echo");
  uint64_t kept = call_sync(*rt, {"quiet", "echo"}, "mine").id;
  std::vector<uint64_t> loud;
  for (int i = 0; i < 100; ++i) loud.push_back(call_sync(*rt, {"loud", "echo"}, "x").id);
  ASSERT_TRUE(rt->call_record(kept));
  EXPECT_EQ(rt->call_record(kept)->output, "mine");
  EXPECT_FALSE(rt->call_record(loud.front()));  // the loud tenant lost its own oldest
  EXPECT_TRUE(rt->call_record(loud.back()));
}

TEST_F(RuntimeTest, IdleFunctionsAreEvictedLeastRecentlyUsedFirst) {
  runtime::RuntimeConfig config;
  config.max_live_functions = 2;
  auto rt = make(config);
  for (const char* name : {"a", "b", "c"}) upload(*rt, {"lru", name}, "echo");
  for (const char* name : {"a", "b", "a", "c", "a"}) {
    EXPECT_EQ(call_sync(*rt, {"lru", name}, name).output, name);
  }
  // a, b built; c evicts b (a was used since); a is still live at the end.
  EXPECT_EQ(rt->metrics().snapshots, 3u);
  EXPECT_EQ(call_sync(*rt, {"lru", "b"}, "b").output, "b");  // rebuilt after eviction
  EXPECT_EQ(rt->metrics().snapshots, 4u);
}

}  // namespace
}  // namespace wasmlet
