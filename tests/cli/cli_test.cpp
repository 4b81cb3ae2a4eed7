// The `wasmlet` command as a user runs it: a real process, its output and exit status.
#include <gtest/gtest.h>

#include <cstdio>

#include "test_support.h"
#include "util/subprocess.h"

namespace wasmlet {
namespace {

namespace fs = std::filesystem;

util::ProcessResult wasmlet(std::vector<std::string> args) {
  args.insert(args.begin(), WASMLET_EXE_PATH);
  return util::run_process(args);
}

TEST(Cli, RunPrintsOutputAndReturnCode) {
  auto r = wasmlet({"run", test::guest_path("echo").string(), "--input", "ping"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.output.find("ping"), std::string::npos);
  EXPECT_NE(r.output.find("return code 0"), std::string::npos);
}

TEST(Cli, GuestReturnCodeBecomesTheExitCode) {
  auto r = wasmlet({"run", test::guest_path("membomb").string(), "--memory-limit", "16MiB"});
  EXPECT_EQ(r.exit_code, 3);
}

TEST(Cli, ErrorsAreOneLineAndNonZero) {
  auto trap = wasmlet({"run", test::guest_path("trap").string()});
  EXPECT_NE(trap.exit_code, 0);
  EXPECT_NE(trap.output.find("wasmlet: error: trap: out of bounds memory access"),
            std::string::npos)
      << trap.output;

  auto timeout = wasmlet({"run", test::guest_path("spin").string(), "--timeout", "100ms"});
  EXPECT_NE(timeout.exit_code, 0);
  EXPECT_NE(timeout.output.find("time limit exceeded"), std::string::npos) << timeout.output;

  auto imports = wasmlet({"run", test::guest_path("bad_import").string()});
  EXPECT_NE(imports.exit_code, 0);
  EXPECT_NE(imports.output.find("unknown imports: env.no_such_function, mystery.thing"),
            std::string::npos)
      << imports.output;

  auto missing = wasmlet({"run", "/nonexistent.wasm"});
  EXPECT_NE(missing.exit_code, 0);
}

TEST(Cli, CcKeepsHostHeadersOut) {
  fs::path dir = fs::path(WASMLET_TEST_CACHE_DIR).parent_path() / "cc-test";
  fs::create_directories(dir);
  fs::path src = dir / "uses_netdb.c";
  {
    std::FILE* f = std::fopen(src.c_str(), "w");
    std::fputs("#include <netdb.h>\nint main(void) { return 0; }\n", f);
    std::fclose(f);
  }
  auto r = wasmlet({"cc", src.string(), "-o", (dir / "x.wasm").string()});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("netdb.h"), std::string::npos) << r.output;
  EXPECT_FALSE(fs::exists(dir / "x.wasm"));
}

TEST(Cli, CcBuildsCxxWithoutExceptionsOrDebugInfo) {
  fs::path out = fs::path(WASMLET_TEST_CACHE_DIR).parent_path() / "cc-test" / "hello.wasm";
  fs::create_directories(out.parent_path());
  auto r = wasmlet({"cc", WASMLET_SOURCE_DIR "/examples/functions/hello.cpp", "-o", out.string()});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  auto objdump = util::run_process({"wasm-objdump", "-h", out.string()});
  EXPECT_EQ(objdump.output.find(".debug_info"), std::string::npos) << objdump.output;
}

}  // namespace
}  // namespace wasmlet
