// Profile-guided compiles: an instrumented library writes its counts when unloaded, a profile
// made from them compiles into a library of its own (the profile's content is in the cache
// key), and a missing profile is an error that names it.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <memory>

#include "engine/engine.h"
#include "engine/instance.h"
#include "host/host_imports.h"
#include "test_support.h"

namespace wasmlet {
namespace {

namespace fs = std::filesystem;

engine::LoadOptions host_options() {
  engine::LoadOptions o;
  o.host_imports = host::host_imports();
  return o;
}

engine::CompilerConfig config(const fs::path& dir, engine::CompileProfile profile) {
  engine::CompilerConfig c{dir};
  c.profile = std::move(profile);
  return c;
}

size_t libraries(const fs::path& dir) {
  size_t n = 0;
  for (const auto& e : fs::recursive_directory_iterator(dir)) n += e.path().extension() == ".so";
  return n;
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

TEST(CompileProfileTest, TrainedProfileCompilesALibraryOfItsOwn) {
  const fs::path dir = test::fresh_test_dir("profile-tests");
  const auto bytes = test::guest_bytes("traps");
  const fs::path raw = dir / "traps.profraw";
  ::setenv("LLVM_PROFILE_FILE", raw.c_str(), 1);
  {
    engine::Engine engine(config(dir, {engine::CompileProfile::Mode::generate, {}}));
    auto m = engine.load(bytes, host_options());
    EXPECT_FALSE(m->cache_hit());
    for (uint64_t i = 0; i < 100; ++i) EXPECT_EQ(add(m, i, 3), i + 3);
  }  // the last reference unloads the library, which writes its counts
  ::unsetenv("LLVM_PROFILE_FILE");
  ASSERT_TRUE(fs::exists(raw));
  EXPECT_GT(fs::file_size(raw), 0u);

  const fs::path profile = dir / "traps.profdata";
  const std::string merge =
      std::string(WASMLET_LLVM_PROFDATA) + " merge -o " + profile.string() + " " + raw.string();
  ASSERT_EQ(std::system(merge.c_str()), 0) << merge;
  // The module's own (static) functions are filed under the C file's name alone, not the
  // temporary directory it was compiled in, or no later compile could match them.
  const std::string names = command_output(std::string(WASMLET_LLVM_PROFDATA) +
                                           " show --all-functions " + profile.string());
  EXPECT_NE(names.find(".c;w2c_"), std::string::npos) << names;
  EXPECT_EQ(names.find(dir.string()), std::string::npos) << names;
  engine::Engine optimised(config(dir, {engine::CompileProfile::Mode::use, profile}));
  auto m = optimised.load(bytes, host_options());
  EXPECT_FALSE(m->cache_hit()) << "the profile is part of the key";
  EXPECT_EQ(add(m, 40, 2), 42u);
  EXPECT_EQ(libraries(dir), 2u);
  EXPECT_TRUE(optimised.load(bytes, host_options())->cache_hit());

  // Another profile (the counts twice over), another library: never reused across profiles.
  const std::string merge_twice = std::string(WASMLET_LLVM_PROFDATA) + " merge -o " +
                                  (dir / "other.profdata").string() + " " + raw.string() + " " +
                                  raw.string();
  ASSERT_EQ(std::system(merge_twice.c_str()), 0) << merge_twice;
  engine::Engine other(config(dir, {engine::CompileProfile::Mode::use, dir / "other.profdata"}));
  EXPECT_FALSE(other.load(bytes, host_options())->cache_hit());
  EXPECT_EQ(libraries(dir), 3u);
}

TEST(CompileProfileTest, MissingProfileIsNamed) {
  const fs::path dir = test::fresh_test_dir("profile-tests");
  try {
    engine::Engine engine(config(dir, {engine::CompileProfile::Mode::use, dir / "none.profdata"}));
    FAIL() << "a missing profile was accepted";
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find("none.profdata"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace wasmlet
