// Guests built from C and C++ by `wasmlet cc`, run through the host interface: Faasm I/O, stdio
// capture, limits, traps, deadlines inside host calls, and the WASI file system's confinement.
#include <gtest/gtest.h>

#include <fstream>

#include "faaslet/run_once.h"
#include "host/host_imports.h"
#include "host/shared_dir_usage.h"
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

// `wasmlet cc` links a calloc that does not clear memory fresh from memory.grow
// (sdk/c/lib/wasmlet_calloc.c); blocks of reused memory, wholly or in part, are still cleared.
TEST(GuestLibrary, CallocOfFreshAndReusedMemoryIsZero) {
  auto r = run("calloc_fresh");
  EXPECT_FALSE(r.trap) << r.trap->describe();
  EXPECT_EQ(r.return_code, 0) << r.stdout_text;
  EXPECT_EQ(r.stdout_text.find("FAIL"), std::string::npos) << r.stdout_text;
  EXPECT_NE(r.stdout_text.find("ok fresh 32 MiB block is zero"), std::string::npos)
      << r.stdout_text;
}

// `wasmlet cc` formats doubles with wasi-libc's vfprintf built without long double and %Lf
// with the long double one (sdk/c/lib/wasmlet_printf.c): the two agree on doubles.
TEST(GuestLibrary, PrintfOfDoublesIsTheSameWithoutLongDouble) {
  auto r = run("printf_double");
  EXPECT_FALSE(r.trap) << r.trap->describe();
  EXPECT_EQ(r.return_code, 0) << r.stdout_text;
  EXPECT_EQ(r.stdout_text.find("FAIL"), std::string::npos) << r.stdout_text;
  EXPECT_NE(r.stdout_text.find("formatted 204000"), std::string::npos) << r.stdout_text;
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

namespace wasmlet {
namespace {

std::string file_text(const fs::path& path) {
  std::ifstream in(path);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Faasm's files (FsConfig::faasm_files): shared files with two symlinks that point out, a
// secret beside them, and the scratch space; wasi_overlay.c holds the guest's side.
class FaasmFilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    base_ = test::fresh_test_dir("faasm-files");
    shared_ = base_ / "shared";
    fs::create_directories(shared_ / "sub");
    fs::create_directories(base_ / "scratch");
    std::ofstream(shared_ / "hello.txt") << "hello wasmlet\n";
    std::ofstream(shared_ / "sub" / "data.txt") << "shared bytes";
    std::ofstream(base_ / "secret.txt") << "outside the root\n";
    fs::create_symlink("/etc", shared_ / "out_link");
    fs::create_symlink("../secret.txt", shared_ / "up_link");
    config_.fs.shared_root = shared_;
    config_.fs.scratch_dir = base_ / "scratch";
    config_.fs.faasm_files = true;
  }
  void TearDown() override { fs::remove_all(base_); }

  faaslet::RunOnceResult run_part(const std::string& part) {
    config_.args = {"wasi_overlay", part};
    auto r = run("wasi_overlay", "", config_);
    EXPECT_FALSE(r.trap) << r.trap->describe();
    EXPECT_EQ(r.return_code, 0) << r.stdout_text << r.stderr_text;
    EXPECT_EQ(r.stdout_text.find("FAIL"), std::string::npos) << r.stdout_text;
    return r;
  }

  fs::path base_, shared_;
  host::HostConfig config_;
};

TEST_F(FaasmFilesTest, OverlayWritesGoToTheScratchSpaceAndEscapesFail) {
  auto r = run_part("overlay");
  EXPECT_NE(r.stdout_text.find("ok shared_write_published_on_close"), std::string::npos)
      << r.stdout_text;
  // The shared files are as they were, but for the one faasm:// write.
  EXPECT_EQ(file_text(shared_ / "hello.txt"), "hello wasmlet\n");
  EXPECT_EQ(file_text(shared_ / "sub" / "data.txt"), "shared bytes");
  EXPECT_EQ(file_text(base_ / "secret.txt"), "outside the root\n");
  EXPECT_FALSE(fs::exists(shared_ / "new.txt"));
  EXPECT_EQ(file_text(shared_ / "sub" / "result.txt"), "partial");
  EXPECT_EQ(std::distance(fs::directory_iterator(shared_), fs::directory_iterator{}), 4);
  EXPECT_EQ(std::distance(fs::directory_iterator(shared_ / "sub"), fs::directory_iterator{}), 2);
  // The guest's own files are in the upper layer of its scratch space.
  EXPECT_EQ(file_text(base_ / "scratch" / "root" / "new.txt"), "created");
  EXPECT_EQ(file_text(base_ / "scratch" / "root" / "hello.txt"), "changed");
}

TEST_F(FaasmFilesTest, TheScratchBudgetBoundsBytesAndFilesOfTmpAndTheOverlay) {
  config_.fs.max_scratch_bytes = 64 << 10;
  config_.fs.max_scratch_files = 8;
  auto r = run_part("quota");
  EXPECT_NE(r.stdout_text.find("ok files_bound"), std::string::npos) << r.stdout_text;
}

TEST_F(FaasmFilesTest, SharedFilesHaveASizeAndCountBound) {
  config_.fs.max_shared_file_bytes = 4096;
  config_.fs.max_shared_writes = 2;
  auto r = run_part("shared_quota");
  EXPECT_NE(r.stdout_text.find("ok shared_size_bound"), std::string::npos) << r.stdout_text;
  EXPECT_EQ(fs::file_size(shared_ / "big.bin"), 3u * 1024);
  EXPECT_FALSE(fs::exists(shared_ / "third.bin"));
}

TEST_F(FaasmFilesTest, SharedFileWritesCountAgainstTheDirectorysQuota) {
  host::SharedDirUsage usage;
  // hello.txt, sub, sub/data.txt and the two links: a block each.
  const uint64_t before = usage.bytes(shared_);
  ASSERT_EQ(before, 5 * host::SharedDirUsage::kBlockBytes);
  config_.fs.shared_usage = &usage;
  config_.fs.max_shared_dir_bytes = before + 8192;
  auto r = run_part("shared_dir_quota");
  EXPECT_NE(r.stdout_text.find("ok shared_dir_room_given_back"), std::string::npos)
      << r.stdout_text;
  EXPECT_NE(r.stdout_text.find("ok shared_dir_reserved_name"), std::string::npos) << r.stdout_text;
  EXPECT_NE(r.stdout_text.find("ok shared_dir_write_in_progress_unlisted"), std::string::npos)
      << r.stdout_text;
  // a.bin and b.bin of 5 bytes, a block each; nothing left behind by the refused write.
  EXPECT_EQ(usage.bytes(shared_), before + 8192);
  EXPECT_EQ(file_text(shared_ / "b.bin"), "small");
  EXPECT_EQ(std::distance(fs::directory_iterator(shared_), fs::directory_iterator{}), 6);
}

TEST_F(FaasmFilesTest, AFaasmWriteOfATrappedCallIsDropped) {
  config_.args = {"wasi_overlay", "shared_trap"};
  auto r = run("wasi_overlay", "", config_);
  ASSERT_TRUE(r.trap);
  EXPECT_EQ(r.stdout_text, "ok started\n");
  EXPECT_EQ(file_text(shared_ / "hello.txt"), "hello wasmlet\n");
  EXPECT_EQ(std::distance(fs::directory_iterator(shared_), fs::directory_iterator{}), 4);
}

}  // namespace
}  // namespace wasmlet
