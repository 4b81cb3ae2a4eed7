// Two runtimes ("hosts", each with its own local state tier) sharing one real redis-server:
// guests that lock, read, increment, push and unlock a counter concurrently on both end with
// the exact count, and a lock a call forgot, or held when it trapped, is released for the other
// host when the call ends.
#include <gtest/gtest.h>

#include <cstring>
#include <future>
#include <memory>
#include <vector>

#include "redis_server.h"
#include "runtime/runtime.h"
#include "test_support.h"

namespace wasmlet {
namespace {

namespace fs = std::filesystem;
using runtime::CallRecord;
using runtime::CallStatus;
using runtime::FunctionId;
using namespace std::chrono_literals;

class CrossHostStateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fs::path dir = test::fresh_test_dir("cross-host-state-tests");
    for (const char* name : {"a", "b"}) {
      runtime::RuntimeConfig config;
      config.data_dir = dir / name;
      config.state_url = redis_.url();
      test::share_compile_cache(config.data_dir);
      hosts_.push_back(std::make_unique<runtime::Runtime>(std::move(config)));
      hosts_.back()->upload_wasm(counter_, test::guest_bytes("state_counter"));
      hosts_.back()->upload_wasm(ops_, test::guest_bytes("state_ops"));
    }
  }

  static std::future<CallRecord> submit(runtime::Runtime& rt, const FunctionId& fn,
                                        std::string input) {
    auto done = std::make_shared<std::promise<CallRecord>>();
    auto result = done->get_future();
    rt.submit({fn, std::move(input)}, [done](const CallRecord& r) { done->set_value(r); });
    return result;
  }

  const FunctionId counter_{"st", "counter"}, ops_{"st", "ops"};
  test::RedisServer redis_;
  std::vector<std::unique_ptr<runtime::Runtime>> hosts_;
};

TEST_F(CrossHostStateTest, ConcurrentIncrementsOnTwoHostsAreNotLost) {
  constexpr int kCallsPerHost = 2, kRounds = 100;
  std::vector<std::future<CallRecord>> calls;
  for (auto& host : hosts_) {
    for (int i = 0; i < kCallsPerHost; ++i) {
      calls.push_back(submit(*host, counter_, "n " + std::to_string(kRounds)));
    }
  }
  for (auto& call : calls) {
    CallRecord r = call.get();
    EXPECT_EQ(r.status, CallStatus::Succeeded) << r.error_message;
  }
  auto bytes = hosts_[0]->state().get("st", "n");
  ASSERT_TRUE(bytes);
  uint64_t value = 0;
  ASSERT_EQ(bytes->size(), sizeof value);
  std::memcpy(&value, bytes->data(), sizeof value);
  EXPECT_EQ(value, uint64_t{2 * kCallsPerHost * kRounds});
}

TEST_F(CrossHostStateTest, ALockACallForgotIsReleasedForOtherHostsWhenItEnds) {
  EXPECT_EQ(submit(*hosts_[0], ops_, "lockw k").get().status, CallStatus::Succeeded);
  // Well within the lock's TTL (10 s): only the release at the call's end lets this through.
  auto start = std::chrono::steady_clock::now();
  CallRecord r = submit(*hosts_[1], ops_, "locked k").get();
  EXPECT_EQ(r.status, CallStatus::Succeeded) << r.error_message;
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
}

TEST_F(CrossHostStateTest, ALockHeldByACallThatTrapsIsReleasedForOtherHosts) {
  CallRecord trapped = submit(*hosts_[0], counter_, "k 1 trap").get();
  ASSERT_EQ(trapped.status, CallStatus::Failed);
  auto start = std::chrono::steady_clock::now();
  CallRecord r = submit(*hosts_[1], ops_, "locked k").get();
  EXPECT_EQ(r.status, CallStatus::Succeeded) << r.error_message;
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
}

}  // namespace
}  // namespace wasmlet
