// Compilation and its cache: validation and import errors before anything is cached, cache
// hits, and concurrent or interrupted compiles that never leave a broken entry.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
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

}  // namespace
}  // namespace wasmlet
