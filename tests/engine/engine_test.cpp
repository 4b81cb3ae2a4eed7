// The engine: traps as values, per-thread trap handling, deadlines, memory limits, and that
// instances release everything they took.
#include <gtest/gtest.h>

#include <atomic>
#include <csignal>
#include <thread>

#include "engine/instance.h"
#include "engine/trap.h"
#include "test_engine.h"
#include "test_support.h"

namespace wasmlet {
namespace {

using engine::Instance;
using engine::TrapKind;
using namespace std::chrono_literals;

class EngineTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { module_ = test::load_guest("traps"); }
  static void TearDownTestSuite() { module_.reset(); }

  static std::unique_ptr<Instance> instantiate(engine::InstanceLimits limits = {}) {
    return std::make_unique<Instance>(module_, std::map<std::string, void*>{}, limits);
  }

  // Calls an export; returns its first result, or the trap kind as a negative number.
  static std::optional<engine::Trap> call(Instance& inst, const std::string& name,
                                          std::vector<uint64_t> args, uint64_t* result = nullptr,
                                          engine::CallLimits limits = {}) {
    const engine::AbiExport* fn = module_->find_export(name);
    EXPECT_NE(fn, nullptr) << name;
    uint64_t out[1] = {0};
    auto trap = inst.call(*fn, args, out, limits);
    if (result) *result = out[0];
    return trap;
  }

  static std::shared_ptr<const engine::Module> module_;
};
std::shared_ptr<const engine::Module> EngineTest::module_;

TEST_F(EngineTest, RunsFunctions) {
  auto inst = instantiate();
  uint64_t r = 0;
  EXPECT_FALSE(call(*inst, "add", {40, 2}, &r));
  EXPECT_EQ(r, 42u);
  EXPECT_FALSE(call(*inst, "sum_memory", {100}, &r));
  EXPECT_EQ(r, 4950u);
  EXPECT_FALSE(call(*inst, "call_table", {0, 21}, &r));
  EXPECT_EQ(r, 42u);
}

struct TrapCase {
  const char* export_name;
  std::vector<uint64_t> args;
  TrapKind kind;
};

const std::vector<TrapCase>& trap_cases() {
  static const std::vector<TrapCase> cases = {
      {"oob", {}, TrapKind::OutOfBounds},
      {"oob_store", {}, TrapKind::OutOfBounds},
      {"unreachable", {}, TrapKind::Unreachable},
      {"div_zero", {0}, TrapKind::IntegerDivideByZero},
      {"overflow", {}, TrapKind::IntegerOverflow},
      {"bad_conversion", {}, TrapKind::InvalidConversion},
      {"null_call", {}, TrapKind::UninitializedElement},
      {"wrong_type", {}, TrapKind::IndirectCallTypeMismatch},
      {"undefined_element", {}, TrapKind::UndefinedElement},
      {"recurse", {0}, TrapKind::StackExhausted},
  };
  return cases;
}

TEST_F(EngineTest, EveryTrapKindComesBackAsAValue) {
  auto inst = instantiate();
  for (const auto& c : trap_cases()) {
    auto trap = call(*inst, c.export_name, c.args);
    ASSERT_TRUE(trap) << c.export_name;
    EXPECT_EQ(trap->kind, c.kind) << c.export_name << ": " << trap->describe();
  }
  // The instance still works after every one of them.
  uint64_t r = 0;
  EXPECT_FALSE(call(*inst, "add", {1, 2}, &r));
  EXPECT_EQ(r, 3u);
}

TEST_F(EngineTest, EightThreadsMixGoodCallsAndTraps) {
  constexpr int kThreads = 8, kCalls = 1000;
  std::atomic<int> wrong{0}, done{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      auto inst = instantiate();
      const auto& cases = trap_cases();
      for (int i = 0; i < kCalls; ++i) {
        if (i % 2 == 0) {
          uint64_t r = 0;
          auto trap = call(*inst, "add", {static_cast<uint64_t>(i), static_cast<uint64_t>(t)}, &r);
          if (trap || r != static_cast<uint64_t>(i + t)) ++wrong;
        } else {
          const auto& c = cases[static_cast<size_t>(i / 2 + t) % cases.size()];
          auto trap = call(*inst, c.export_name, c.args);
          if (!trap || trap->kind != c.kind) ++wrong;
        }
        ++done;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(wrong.load(), 0);
  EXPECT_EQ(done.load(), kThreads * kCalls);
}

TEST_F(EngineTest, DeadlineStopsASpinningLoop) {
  auto inst = instantiate();
  auto start = std::chrono::steady_clock::now();
  auto trap = call(*inst, "spin", {}, nullptr, {100ms});
  ASSERT_TRUE(trap);
  EXPECT_EQ(trap->kind, TrapKind::Timeout);
  EXPECT_GE(std::chrono::steady_clock::now() - start, 100ms);
  // No stray timer signal afterwards: a following call without a deadline runs normally.
  uint64_t r = 0;
  EXPECT_FALSE(call(*inst, "sum_memory", {1000}, &r));
  EXPECT_EQ(r, 499500u);
}

// The thread's timer is left running after a call (re-arming it twice a call cost two system
// calls). A later call must still get exactly its own deadline.
TEST_F(EngineTest, EachCallGetsItsOwnDeadlineFromATimerLeftRunning) {
  auto inst = instantiate();
  uint64_t r = 0;
  // The timer is set 10 s out; a 50 ms call after it must not wait for that.
  ASSERT_FALSE(call(*inst, "sum_memory", {1000}, &r, {10s}));
  auto start = std::chrono::steady_clock::now();
  auto trap = call(*inst, "spin", {}, nullptr, {50ms});
  ASSERT_TRUE(trap);
  EXPECT_EQ(trap->kind, TrapKind::Timeout);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
  // Now the timer fires 10 ms from now (the re-fire after a deadline): a long call with a far
  // deadline must outlive that firing, and one with a short deadline after it.
  ASSERT_FALSE(call(*inst, "sum_memory", {1000}, &r, {20ms}));
  auto long_call = call(*inst, "churn", {200'000'000}, &r, {30s});
  EXPECT_FALSE(long_call) << long_call->describe();
}

TEST_F(EngineTest, DeadlinesOnManyThreadsAreIndependent) {
  std::vector<std::thread> threads;
  std::atomic<int> timeouts{0}, good{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      auto inst = instantiate();
      if (t % 2 == 0) {
        auto trap = call(*inst, "spin", {}, nullptr, {50ms});
        if (trap && trap->kind == TrapKind::Timeout) ++timeouts;
      } else {
        for (int i = 0; i < 200; ++i) {
          uint64_t r = 0;
          if (!call(*inst, "sum_memory", {1000}, &r, {10s}) && r == 499500u) ++good;
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(timeouts.load(), 2);
  EXPECT_EQ(good.load(), 400);
}

TEST_F(EngineTest, MemoryGrowStopsAtTheLimit) {
  engine::InstanceLimits limits;
  limits.memory_pages = 3;
  auto inst = instantiate(limits);
  uint64_t r = 0;
  EXPECT_FALSE(call(*inst, "grow", {2}, &r));
  EXPECT_EQ(r, 1u);  // previous size
  EXPECT_FALSE(call(*inst, "grow", {1}, &r));
  EXPECT_EQ(static_cast<uint32_t>(r), UINT32_MAX);  // -1: past the limit
  EXPECT_EQ(inst->memory()->pages, 3u);
}

TEST_F(EngineTest, InitialMemoryAboveTheLimitFailsInstantiation) {
  auto big = test::load_guest("big_memory");
  engine::InstanceLimits limits;
  limits.memory_pages = 64;
  try {
    Instance inst(big, {}, limits);
    FAIL() << "instantiated past the memory limit";
  } catch (const engine::TrapError& e) {
    EXPECT_EQ(e.trap().kind, TrapKind::MemoryLimit);
  }
}

// Tables are host memory too: three tables of 300,000 elements (21.6 MB) count against the
// memory limit like linear memory does, at instantiation and when either grows.
class TableLimitTest : public ::testing::Test {
 protected:
  static constexpr uint64_t kTableBytes = 3 * 300000 * sizeof(wasm_rt_funcref_t);

  static void SetUpTestSuite() { module_ = test::load_guest("big_tables"); }
  static void TearDownTestSuite() { module_.reset(); }

  static uint32_t call(Instance& inst, const std::string& name, uint32_t arg) {
    const engine::AbiExport* fn = module_->find_export(name);
    EXPECT_NE(fn, nullptr) << name;
    uint64_t args[1] = {arg}, out[1] = {0};
    EXPECT_FALSE(inst.call(*fn, args, out));
    return static_cast<uint32_t>(out[0]);
  }

  static std::shared_ptr<const engine::Module> module_;
};
std::shared_ptr<const engine::Module> TableLimitTest::module_;

TEST_F(TableLimitTest, TablesPastTheMemoryLimitFailInstantiation) {
  engine::InstanceLimits limits;
  limits.memory_pages = 64;  // 4 MiB: the memory's one page fits, the tables do not
  try {
    Instance inst(module_, {}, limits);
    FAIL() << "instantiated tables past the memory limit";
  } catch (const engine::TrapError& e) {
    EXPECT_EQ(e.trap().kind, TrapKind::MemoryLimit);
    EXPECT_NE(e.trap().message.find("a table of 7200000 bytes would bring memory and tables to "
                                    "7200000 bytes"),
              std::string::npos)
        << e.trap().message;
    EXPECT_NE(e.trap().message.find("limit of 4194304 bytes"), std::string::npos)
        << e.trap().message;
  }
}

TEST_F(TableLimitTest, TablesAndMemoryShareTheLimitWhenGrowing) {
  engine::InstanceLimits limits;
  limits.memory_pages = 340;  // 22,282,240 bytes
  Instance inst(module_, {}, limits);
  // The first 64 KiB of tables are free: tables and one page leave 682,240 bytes.
  const uint64_t left = 340 * 65536 - (kTableBytes - 65536) - 65536;
  const uint64_t element = sizeof(wasm_rt_funcref_t);
  EXPECT_EQ(call(inst, "grow_table", static_cast<uint32_t>(left / element + 1)), UINT32_MAX);
  EXPECT_EQ(call(inst, "grow_table", 20000), 0u);       // 480,000 bytes: 202,240 left
  EXPECT_EQ(call(inst, "grow_memory", 4), UINT32_MAX);  // 262,144 bytes: the tables took it
  EXPECT_EQ(call(inst, "grow_memory", 3), 1u);
  EXPECT_EQ(call(inst, "grow_table", 1000), UINT32_MAX);  // 24,000 bytes > 5,632 left
}

TEST_F(TableLimitTest, TablesWithinTheLimitInstantiate) {
  engine::InstanceLimits limits;
  limits.memory_pages = 1024;  // 64 MiB
  Instance inst(module_, {}, limits);
  EXPECT_EQ(call(inst, "grow_table", 1000), 0u);
}

TEST_F(EngineTest, TenThousandInstancesReleaseEverything) {
  { auto warm = instantiate(); }
  size_t fds = test::open_fd_count(), maps = test::mapping_count();
  size_t vsz = test::virtual_size_kib();
  for (int i = 0; i < 10000; ++i) {
    auto inst = instantiate();
    uint64_t r = 0;
    ASSERT_FALSE(call(*inst, "bump", {}, &r));
    ASSERT_EQ(r, 1u);  // every instance starts from its own fresh globals
  }
  EXPECT_EQ(test::open_fd_count(), fds);
  EXPECT_LE(test::mapping_count(), maps + 2);
  // 10,000 leaked 8 GiB reservations would be 80 TiB; allow allocator noise only.
  EXPECT_LT(test::virtual_size_kib(), vsz + 64 * 1024);
}

// A signature with nine parameters: its count was once held as a wasm_rt_type_t, a value the
// enum cannot hold (undefined behaviour, reported by the sanitized build).
TEST(FuncTypes, ManyParametersRegisterOnceAndKeepTheirSplit) {
  constexpr int I = WASM_RT_I32;
  uint32_t nine = wasm_rt_register_func_type(9, 0, I, I, I, I, I, I, I, I, I);
  EXPECT_EQ(wasm_rt_register_func_type(9, 0, I, I, I, I, I, I, I, I, I), nine);
  EXPECT_NE(wasm_rt_register_func_type(8, 1, I, I, I, I, I, I, I, I, I), nine);
}

TEST(TrapBoundary, NestedBoundariesUnwindToTheInnermost) {
  auto outer = engine::guarded([] {
    auto inner = engine::guarded([] { engine::raise_trap(TrapKind::Unreachable); });
    ASSERT_TRUE(inner);
    EXPECT_EQ(inner->kind, TrapKind::Unreachable);
  });
  EXPECT_FALSE(outer);
}

// A chained call run by its awaiting caller restores a Faaslet (host code that enters and
// leaves host code itself) while the caller is in a host call. The caller's cancel, noted
// meanwhile, must wait for the caller's own return to guest code: a jump from the middle of
// the host code would skip its destructors and bookkeeping.
TEST(TrapBoundary, HostCodeInsideHostCodeDefersACancelToTheOutermostReturn) {
  std::atomic<bool> cancel{false};
  bool deferred = false;
  bool still_host = false;
  engine::CallLimits limits;
  limits.cancel = &cancel;
  auto trap = engine::guarded(
      [&] {
        ASSERT_TRUE(engine::enter_host());  // a host import, called by the guest
        cancel = true;
        engine::interrupt_thread(engine::current_thread());  // noted: the thread is in host code
        ASSERT_TRUE(engine::enter_host());                   // a runtime helper inside it
        deferred = !engine::leave_host();
        still_host = engine::in_host();
        if (engine::leave_host()) engine::raise_recorded_trap();
      },
      limits);
  EXPECT_TRUE(deferred);
  EXPECT_TRUE(still_host);
  ASSERT_TRUE(trap);
  EXPECT_EQ(trap->kind, TrapKind::Cancelled);
}

TEST(TrapBoundary, AHostSectionCatchesItsOwnTrapAndLeavesACancelPending) {
  std::atomic<bool> cancel{false};
  std::optional<engine::Trap> section;
  bool still_host = false;
  engine::CallLimits limits;
  limits.cancel = &cancel;
  auto trap = engine::guarded(
      [&] {
        ASSERT_TRUE(engine::enter_host());
        cancel = true;
        engine::interrupt_thread(engine::current_thread());
        section = engine::host_section([] { engine::raise_trap(TrapKind::MemoryLimit); });
        still_host = engine::in_host();
        if (engine::leave_host()) engine::raise_recorded_trap();
      },
      limits);
  ASSERT_TRUE(section);
  EXPECT_EQ(section->kind, TrapKind::MemoryLimit);
  EXPECT_TRUE(still_host);
  ASSERT_TRUE(trap);
  EXPECT_EQ(trap->kind, TrapKind::Cancelled);
}

TEST(TrapBoundaryDeathTest, AFaultOutsideWasmMemoryIsARealCrash) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        engine::guarded([] {
          volatile int* p = nullptr;
          *p = 1;
        });
      },
      ::testing::KilledBySignal(SIGSEGV), "");
}

}  // namespace
}  // namespace wasmlet
