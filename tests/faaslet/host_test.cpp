// Guests built from C and C++ by `wasmlet cc`, run through the host interface: Faasm I/O, stdio
// capture, limits, traps, deadlines inside host calls, and the WASI file system's confinement.
#include <gtest/gtest.h>

#include <fstream>

#include "faaslet/run_once.h"
#include "host/host_imports.h"
#include "test_engine.h"
#include "test_support.h"

namespace wasmlet {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

faaslet::RunOnceResult run(const std::string& guest, std::string input = "",
                           host::HostConfig config = {}, faaslet::FunctionLimits limits = {}) {
  if (config.args.empty()) config.args = {guest};
  faaslet::FunctionConfig function{std::move(config), limits, {}};
  return faaslet::run_once(test::load_guest(guest, host::host_imports()), function,
                           std::move(input));
}

TEST(FaasmIo, EchoReturnsItsInput) {
  auto r = run("echo", "hello, wasm");
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(r.output, "hello, wasm");
  auto big = std::string(1 << 20, 'x');
  EXPECT_EQ(run("echo", big).output, big);
  EXPECT_EQ(run("echo", "").output, "");
}

TEST(FaasmIo, CxxWithStringsAndVectors) {
  auto r = run("hello", "zoe,adam,mia");
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(r.output, "Hello, adam!\nHello, mia!\nHello, zoe!\n");
  EXPECT_EQ(run("hello").output, "Hello, world!\n");
}

TEST(FaasmIo, ComputeKernel) {
  auto r = run("compute", "20");
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(r.output, "fib(20) = 6765, primes below 2000 = 303\n");
}

TEST(FaasmIo, OutputLimitIsEnforced) {
  faaslet::FunctionLimits limits;
  limits.max_output_bytes = 100;
  auto r = run("echo", std::string(101, 'y'), {}, limits);
  ASSERT_TRUE(r.trap);
  EXPECT_EQ(r.trap->kind, engine::TrapKind::HostError);
  EXPECT_NE(r.trap->message.find("exceeds the limit"), std::string::npos);
}

TEST(Limits, TrapIsReportedWithItsKind) {
  auto r = run("trap");
  ASSERT_TRUE(r.trap);
  EXPECT_EQ(r.trap->kind, engine::TrapKind::OutOfBounds);
  EXPECT_EQ(r.stdout_text, "about to write outside memory\n");
}

TEST(Limits, SpinningGuestTimesOut) {
  faaslet::FunctionLimits limits;
  limits.timeout = 200ms;
  auto r = run("spin", "", {}, limits);
  ASSERT_TRUE(r.trap);
  EXPECT_EQ(r.trap->kind, engine::TrapKind::Timeout);
}

TEST(Limits, DeadlineInsideAHostCallTakesEffectWhenItReturns) {
  faaslet::FunctionLimits limits;
  limits.timeout = 100ms;
  auto r = run("sleeper", "", {}, limits);
  ASSERT_TRUE(r.trap);
  EXPECT_EQ(r.trap->kind, engine::TrapKind::Timeout);
  // The sleep wakes early at the deadline and the guest stops as the host call returns.
  EXPECT_EQ(r.stdout_text, "before\n");
}

TEST(Limits, MemoryBombStopsAtTheLimit) {
  faaslet::FunctionLimits limits;
  limits.memory_pages = 1024;  // 64 MiB
  auto r = run("membomb", "", {}, limits);
  EXPECT_FALSE(r.trap);
  EXPECT_EQ(r.return_code, 3);
  EXPECT_NE(r.output.find("MiB before malloc failed"), std::string::npos) << r.output;
  int mib = std::stoi(r.output.substr(10));
  EXPECT_GT(mib, 32);
  EXPECT_LE(mib, 64);
}

}  // namespace
}  // namespace wasmlet

namespace wasmlet {
namespace {

// A root directory with hello.txt and an empty scratch directory, removed afterwards.
class WasiFsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    base_ = test::fresh_test_dir("wasi-fs");
    fs::create_directories(base_ / "root");
    fs::create_directories(base_ / "scratch");
    std::ofstream(base_ / "root" / "hello.txt") << "hello wasmlet\n";
    std::ofstream(base_ / "secret.txt") << "outside the root\n";
    config_.fs.shared_root = base_ / "root";
    config_.fs.scratch_dir = base_ / "scratch";
  }
  void TearDown() override { fs::remove_all(base_); }

  static void expect_all_ok(const faaslet::RunOnceResult& r) {
    EXPECT_FALSE(r.trap) << r.trap->describe();
    EXPECT_EQ(r.return_code, 0) << r.stdout_text << r.stderr_text;
    EXPECT_EQ(r.stdout_text.find("FAIL"), std::string::npos) << r.stdout_text;
    EXPECT_NE(r.stdout_text.find("ok "), std::string::npos) << r.stdout_text;
  }

  fs::path base_;
  host::HostConfig config_;
};

TEST_F(WasiFsTest, FilesAndDirectoriesWork) {
  auto r = run("wasi_fs", "", config_);
  expect_all_ok(r);
  // What the guest left in /tmp is really in the scratch directory, and nowhere else.
  EXPECT_TRUE(fs::exists(base_ / "root" / "hello.txt"));
  EXPECT_EQ(std::distance(fs::directory_iterator(base_ / "root"), fs::directory_iterator{}), 1);
}

TEST_F(WasiFsTest, EscapesAllFail) {
  fs::create_symlink("/etc", base_ / "scratch" / "escape");
  fs::create_symlink("../../../../../../../../etc", base_ / "scratch" / "escape_rel");
  auto r = run("wasi_escape", "", config_);
  expect_all_ok(r);
  EXPECT_EQ(std::distance(fs::directory_iterator(base_ / "root"), fs::directory_iterator{}), 1);
}

TEST_F(WasiFsTest, ArgsEnvClocksAndRandom) {
  config_.args = {"wasi_misc", "alpha", "beta gamma"};
  config_.env = {"WASMLET_TEST=yes"};
  expect_all_ok(run("wasi_misc", "", config_));
}

TEST_F(WasiFsTest, MissingRootIsAClearError) {
  config_.fs.shared_root = base_ / "does-not-exist";
  EXPECT_THROW(run("wasi_fs", "", config_), Error);
}

}  // namespace
}  // namespace wasmlet
