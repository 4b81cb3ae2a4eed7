// Compilation and its cache: validation and import errors before anything is cached, cache
// hits, concurrent or interrupted compiles that never leave a broken entry, and profile-guided
// compiles.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <thread>

#include "engine/engine.h"
#include "engine/instance.h"
#include "host/host_imports.h"
#include "test_support.h"
#include "util/files.h"

namespace wasmlet {
namespace {

namespace fs = std::filesystem;

engine::LoadOptions host_options() {
  engine::LoadOptions o;
  o.host_imports = host::host_imports();
  return o;
}

// A fresh, empty cache directory per test.
class CompileCacheTest : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = test::fresh_test_dir("cache-tests"); }

  size_t cached_objects() const {
    size_t n = 0;
    for (const auto& e : fs::recursive_directory_iterator(dir_)) n += e.path().extension() == ".so";
    return n;
  }

  std::string load_error(const std::vector<unsigned char>& bytes) {
    engine::Engine engine(engine::CompilerConfig{dir_});
    try {
      engine.load(bytes, host_options());
    } catch (const std::exception& e) {
      return e.what();
    }
    return "";
  }

  fs::path dir_;
};

TEST_F(CompileCacheTest, SecondLoadIsACacheHit) {
  engine::Engine engine(engine::CompilerConfig{dir_});
  auto bytes = test::guest_bytes("traps");
  auto first = engine.load(bytes, host_options());
  EXPECT_FALSE(first->cache_hit());
  EXPECT_GT(first->compile_seconds(), 0);
  auto second = engine.load(bytes, host_options());
  EXPECT_TRUE(second->cache_hit());
  EXPECT_EQ(cached_objects(), 1u);
}

TEST_F(CompileCacheTest, GarbageIsMalformedAndNothingIsCached) {
  std::vector<unsigned char> garbage = {'n', 'o', 't', ' ', 'w', 'a', 's', 'm'};
  EXPECT_NE(load_error(garbage).find("malformed module"), std::string::npos);
  auto truncated = test::guest_bytes("traps");
  truncated.resize(truncated.size() / 2);
  EXPECT_NE(load_error(truncated).find("malformed module"), std::string::npos);
  EXPECT_EQ(cached_objects(), 0u);
}

TEST_F(CompileCacheTest, InvalidModuleGetsTheValidatorsMessage) {
  std::string err = load_error(test::guest_bytes("invalid"));
  EXPECT_NE(err.find("invalid module"), std::string::npos) << err;
  EXPECT_NE(err.find("type mismatch"), std::string::npos) << err;
  EXPECT_EQ(cached_objects(), 0u);
}

TEST_F(CompileCacheTest, UnknownImportsAreListed) {
  std::string err = load_error(test::guest_bytes("bad_import"));
  EXPECT_NE(err.find("env.no_such_function"), std::string::npos) << err;
  EXPECT_NE(err.find("mystery.thing"), std::string::npos) << err;
  EXPECT_EQ(cached_objects(), 0u);
}

TEST_F(CompileCacheTest, ImportWithTheWrongSignatureIsNamed) {
  std::string err = load_error(test::guest_bytes("wrong_signature"));
  EXPECT_NE(err.find("env.__faasm_read_input (module expects j>i, host has ii>i)"),
            std::string::npos)
      << err;
  EXPECT_EQ(cached_objects(), 0u);
}

TEST_F(CompileCacheTest, UnloadingReleasesTheLibrary) {
  engine::Engine engine(engine::CompilerConfig{dir_});
  auto bytes = test::guest_bytes("traps");
  engine.load(bytes, host_options());  // compile once
  size_t maps = test::mapping_count(), fds = test::open_fd_count();
  for (int i = 0; i < 200; ++i) {
    auto m = engine.load(bytes, host_options());
    engine::Instance inst(m, {}, {});
  }
  EXPECT_LE(test::mapping_count(), maps + 2);
  EXPECT_EQ(test::open_fd_count(), fds);
}

TEST_F(CompileCacheTest, ConcurrentCompilesInOneProcessAgree) {
  auto bytes = test::guest_bytes("traps");
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&] {
      engine::Engine engine(engine::CompilerConfig{dir_});
      auto m = engine.load(bytes, host_options());
      engine::Instance inst(m, {}, {});
      uint64_t args[2] = {2, 3}, r[1] = {0};
      if (!inst.call(*m->find_export("add"), args, r) && r[0] == 5) ++ok;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 4);
  EXPECT_EQ(cached_objects(), 1u);
}

pid_t spawn_compile(const fs::path& cache, const fs::path& wasm) {
  pid_t pid = fork();
  if (pid == 0) {
    setenv("WASMLET_CACHE_DIR", cache.c_str(), 1);
    int devnull = open("/dev/null", O_WRONLY);
    dup2(devnull, 1);
    dup2(devnull, 2);
    execl(WASMLET_EXE_PATH, "wasmlet", "compile", wasm.c_str(), nullptr);
    _exit(127);
  }
  return pid;
}

TEST_F(CompileCacheTest, ConcurrentCompilesInManyProcessesAgree) {
  std::vector<pid_t> pids;
  for (int i = 0; i < 4; ++i) pids.push_back(spawn_compile(dir_, test::guest_path("compute")));
  for (pid_t p : pids) {
    int status = 0;
    waitpid(p, &status, 0);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  }
  EXPECT_EQ(cached_objects(), 1u);
  engine::Engine engine(engine::CompilerConfig{dir_});
  EXPECT_TRUE(engine.load(test::guest_bytes("compute"), host_options())->cache_hit());
}

TEST_F(CompileCacheTest, AKilledCompileLeavesNoEntry) {
  for (int delay_ms : {20, 80, 200}) {
    pid_t p = spawn_compile(dir_, test::guest_path("hello"));
    std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
    kill(p, SIGKILL);
    waitpid(p, nullptr, 0);
    // Either nothing was cached or the whole artifact was: any entry present must load.
    if (cached_objects() > 0) break;
  }
  engine::Engine engine(engine::CompilerConfig{dir_});
  auto m = engine.load(test::guest_bytes("hello"), host_options());
  EXPECT_NE(m->find_export("_start"), nullptr);
  EXPECT_EQ(cached_objects(), 1u);
}

engine::CompilerConfig profiled(const fs::path& dir, engine::CompileProfile profile) {
  engine::CompilerConfig c{dir};
  c.profile = std::move(profile);
  return c;
}

uint64_t add(const std::shared_ptr<const engine::Module>& m, uint64_t a, uint64_t b) {
  engine::Instance inst(m, {}, {});
  uint64_t args[2] = {a, b}, r[1] = {0};
  EXPECT_FALSE(inst.call(*m->find_export("add"), args, r));
  return r[0];
}

std::string command_output(const std::string& command) {
  std::string out;
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(::popen(command.c_str(), "r"), ::pclose);
  if (!pipe) return out;
  char buf[4096];
  for (size_t n; (n = std::fread(buf, 1, sizeof buf, pipe.get())) > 0;) out.append(buf, n);
  return out;
}

// Profile-guided compiles: an instrumented library writes its counts when unloaded, a profile
// made from them compiles into a library of its own (the profile's content is in the key).
TEST_F(CompileCacheTest, TrainedProfileCompilesALibraryOfItsOwn) {
  const auto bytes = test::guest_bytes("traps");
  const fs::path raw = dir_ / "traps.profraw";
  ::setenv("LLVM_PROFILE_FILE", raw.c_str(), 1);
  {
    engine::Engine engine(profiled(dir_, {engine::CompileProfile::Mode::generate, {}}));
    auto m = engine.load(bytes, host_options());
    EXPECT_FALSE(m->cache_hit());
    for (uint64_t i = 0; i < 100; ++i) EXPECT_EQ(add(m, i, 3), i + 3);
  }  // the last reference unloads the library, which writes its counts
  ::unsetenv("LLVM_PROFILE_FILE");
  ASSERT_TRUE(fs::exists(raw));
  EXPECT_GT(fs::file_size(raw), 0u);

  const fs::path profile = dir_ / "traps.profdata";
  const std::string merge =
      std::string(WASMLET_LLVM_PROFDATA) + " merge -o " + profile.string() + " " + raw.string();
  ASSERT_EQ(std::system(merge.c_str()), 0) << merge;
  // The module's own (static) functions are filed under the C file's name alone, not the
  // temporary directory it was compiled in, or no later compile could match them.
  const std::string names = command_output(std::string(WASMLET_LLVM_PROFDATA) +
                                           " show --all-functions " + profile.string());
  EXPECT_NE(names.find(".c;w2c_"), std::string::npos) << names;
  EXPECT_EQ(names.find(dir_.string()), std::string::npos) << names;
  engine::Engine optimised(profiled(dir_, {engine::CompileProfile::Mode::use, profile}));
  auto m = optimised.load(bytes, host_options());
  EXPECT_FALSE(m->cache_hit()) << "the profile is part of the key";
  EXPECT_EQ(add(m, 40, 2), 42u);
  EXPECT_EQ(cached_objects(), 2u);
  EXPECT_TRUE(optimised.load(bytes, host_options())->cache_hit());

  // Another profile (the counts twice over), another library: never reused across profiles.
  const std::string merge_twice = std::string(WASMLET_LLVM_PROFDATA) + " merge -o " +
                                  (dir_ / "other.profdata").string() + " " + raw.string() + " " +
                                  raw.string();
  ASSERT_EQ(std::system(merge_twice.c_str()), 0) << merge_twice;
  engine::Engine other(
      profiled(dir_, {engine::CompileProfile::Mode::use, dir_ / "other.profdata"}));
  EXPECT_FALSE(other.load(bytes, host_options())->cache_hit());
  EXPECT_EQ(cached_objects(), 3u);
}

TEST_F(CompileCacheTest, MissingProfileIsNamed) {
  try {
    engine::Engine engine(
        profiled(dir_, {engine::CompileProfile::Mode::use, dir_ / "none.profdata"}));
    FAIL() << "a missing profile was accepted";
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find("none.profdata"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace wasmlet
