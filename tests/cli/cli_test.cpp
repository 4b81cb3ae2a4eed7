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

TEST(Cli, CompileTakesATimeLimit) {
  auto ok = wasmlet({"compile", "--compile-time-limit", "5m", test::guest_path("echo").string()});
  EXPECT_EQ(ok.exit_code, 0) << ok.output;
  auto bad =
      wasmlet({"compile", "--compile-time-limit", "soon", test::guest_path("echo").string()});
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_NE(bad.output.find("bad duration 'soon'"), std::string::npos) << bad.output;
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

void write_text(const fs::path& path, const char* text) {
  std::FILE* f = std::fopen(path.c_str(), "w");
  ASSERT_NE(f, nullptr);
  std::fputs(text, f);
  std::fclose(f);
}

TEST(Cli, CcPassesUsualFlagsThroughWithTheirValues) {
  fs::path dir = fs::path(WASMLET_TEST_CACHE_DIR).parent_path() / "cc-flags";
  fs::create_directories(dir / "inc");
  write_text(dir / "inc" / "answer.h", "#define ANSWER_BASE 40\n");
  write_text(dir / "flags.c",
             "#include <answer.h>\n#include <math.h>\n#include <stdio.h>\n"
             "int main(void) { printf(\"%d %d\", ANSWER_BASE + EXTRA, (int)sqrt(16.0)); "
             "return 0; }\n");
  fs::path out = dir / "flags.wasm";
  // -I and -D with the value as the next word and glued on, -O, -l, -Wl,.
  auto r = wasmlet({"cc", (dir / "flags.c").string(), "-I", (dir / "inc").string(), "-D", "EXTRA=2",
                    "-O1", "-lm", "-Wl,--export=main", "-o", out.string()});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  auto run = wasmlet({"run", out.string()});
  EXPECT_EQ(run.exit_code, 0) << run.output;
  EXPECT_TRUE(run.output.starts_with("42 4")) << run.output;
}

TEST(Cli, CcStackSizeSetsTheGuestStack) {
  fs::path dir = fs::path(WASMLET_TEST_CACHE_DIR).parent_path() / "cc-stack";
  fs::create_directories(dir);
  fs::path small = dir / "small_stack.wasm";
  std::string src = WASMLET_SOURCE_DIR "/examples/faasm/faasm_libc.c";
  // 2 MiB of frames: fine on the default 4 MiB stack (the runtime test), not on 64 KiB, where
  // the stack, placed first, runs off the bottom of memory and traps.
  auto r = wasmlet({"cc", src, "--stack-size", "64KiB", "-o", small.string()});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  auto deep = wasmlet({"run", small.string(), "--input", "deep_stack"});
  EXPECT_NE(deep.exit_code, 0);
  EXPECT_NE(deep.output.find("out of bounds memory access"), std::string::npos) << deep.output;
  fs::path big = dir / "big_stack.wasm";
  ASSERT_EQ(wasmlet({"cc", src, "--stack-size", "8MiB", "-o", big.string()}).exit_code, 0);
  auto fine = wasmlet({"run", big.string(), "--input", "deep_stack"});
  EXPECT_EQ(fine.exit_code, 0) << fine.output;
  EXPECT_TRUE(fine.output.starts_with("deep_stack: ok")) << fine.output;

  auto bad = wasmlet({"cc", src, "--stack-size", "100", "-o", small.string()});
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_NE(bad.output.find("--stack-size must be a multiple of 16"), std::string::npos)
      << bad.output;
}

TEST(Cli, CcHelpListsWhatItAdds) {
  auto r = wasmlet({"cc", "--help"});
  EXPECT_EQ(r.exit_code, 0);
  for (const char* listed : {"--stack-size", "-lc-printscan-long-double",
                             "-D_WASI_EMULATED_PROCESS_CLOCKS", "mmap", "-Wl,"}) {
    EXPECT_NE(r.output.find(listed), std::string::npos) << listed << " in " << r.output;
  }
}

}  // namespace
}  // namespace wasmlet
