// Table-driven tests of what a guest names things by: state keys and ranges (the checks of
// Faasm's state imports), the Redis name of a (user, key) pair, and WASI paths matched against
// preopened directories and opened beneath them. The fuzz targets state_key and wasi_path
// check the same functions' invariants on arbitrary input.
#include <fcntl.h>
#include <gtest/gtest.h>

#include <array>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "host/faasm/state_args.h"
#include "host/wasi/capability_fs.h"
#include "host/wasi/faasm_files.h"
#include "state/redis_key.h"
#include "util/error.h"
#include "util/files.h"

namespace wasmlet {
namespace {

namespace fs = std::filesystem;
using namespace std::string_literals;

TEST(GuestStateArgsTest, Keys) {
  struct Case {
    std::string key;
    bool ok;
  } cases[] = {
      {"k", true}, {std::string(512, 'k'), true},  {"any:bytes/\xff here", true},
      {"", false}, {std::string(513, 'k'), false}, {"a\0b"s, false},
  };
  for (const auto& c : cases) {
    if (c.ok) {
      EXPECT_NO_THROW(host::faasm::check_state_key(c.key)) << c.key.size();
    } else {
      EXPECT_THROW(host::faasm::check_state_key(c.key), Error) << c.key.size();
    }
  }
}

TEST(GuestStateArgsTest, Ranges) {
  struct Case {
    uint32_t total, offset, length;
    bool ok;
  } cases[] = {
      {0, 0, 0, true},
      {8, 0, 8, true},
      {8, 8, 0, true},
      {8, 3, 5, true},
      {0x7fffffff, 0x7fffffff, 0, true},
      {8, 9, 0, false},
      {8, 4, 5, false},
      {8, 1, 0xffffffff, false},  // -1 as a wasm32 long, and wraps the sum
      {0x80000000, 0, 0, false},
      {16, 0x80000000, 0, false},
      {0x7fffffff, 0x7fffffff, 0x7fffffff, false},
  };
  for (const auto& c : cases) {
    if (c.ok) {
      auto r = host::faasm::checked_range(c.total, c.offset, c.length);
      EXPECT_EQ(r.total, c.total);
      EXPECT_EQ(r.offset, c.offset);
      EXPECT_EQ(r.length, c.length);
    } else {
      EXPECT_THROW(host::faasm::checked_range(c.total, c.offset, c.length), Error)
          << c.total << " " << c.offset << " " << c.length;
    }
  }
  EXPECT_EQ(host::faasm::checked_length(0x7fffffff, "length"), 0x7fffffffu);
  EXPECT_THROW(host::faasm::checked_length(0x80000000, "length"), Error);
}

TEST(RedisKeyTest, PairsNeverShareAName) {
  struct Case {
    char kind;
    std::string user, key, name;
  } cases[] = {
      {'v', "u", "k", "wl:v:1:u:k"},     {'a', "demo", "", "wl:a:4:demo:"},
      {'v', "a:b", "c", "wl:v:3:a:b:c"}, {'v', "a", "b:c", "wl:v:1:a:b:c"},
      {'w', "", "k", "wl:w:0::k"},       {'v', "n\0l"s, "k\0"s, "wl:v:3:n\0l:k\0"s},
  };
  for (const auto& c : cases) EXPECT_EQ(state::redis_key(c.kind, c.user, c.key), c.name);
  // The pairs above whose texts join alike still get different names.
  EXPECT_NE(state::redis_key('v', "a:b", "c"), state::redis_key('v', "a", "b:c"));
  EXPECT_NE(state::redis_key('v', "1:a", "b"), state::redis_key('v', "1", "a:b"));
  // A user's glob characters match only themselves when a user's keys are listed.
  EXPECT_EQ(state::redis_key_pattern('v', "demo"), "wl:v:4:demo:*");
  EXPECT_EQ(state::redis_key_pattern('v', "a*[?]\\"), "wl:v:6:a\\*\\[\\?\\]\\\\:*");
}

TEST(WasiPathTest, MatchPreopen) {
  std::vector<std::string_view> names = {"/", "/tmp", "/data/", ""};
  struct Case {
    std::string path;
    std::optional<size_t> index;
    std::string rest;
  } cases[] = {
      {"/a/b", 0, "a/b"},
      {"/", 0, ""},
      {"//a", 0, "a"},
      {"/tmp", 1, ""},
      {"/tmp/x", 1, "x"},
      {"/tmp//x/", 1, "x/"},
      {"/tmpx", 0, "tmpx"},          // not inside /tmp: a prefix must end at a component
      {"/tmp/../etc", 1, "../etc"},  // left to open_beneath to refuse
      {"/data/f", 2, "f"},
      {"/data", 0, "data"},
      {"relative", std::nullopt, ""},
      {"", std::nullopt, ""},
  };
  for (const auto& c : cases) {
    auto m = host::wasi::match_preopen(names, c.path);
    ASSERT_EQ(m.has_value(), c.index.has_value()) << c.path;
    if (!m) continue;
    EXPECT_EQ(m->index, *c.index) << c.path;
    EXPECT_EQ(m->rest, c.rest) << c.path;
  }
  EXPECT_FALSE(host::wasi::match_preopen({}, "/a"));
}

// Paths beneath the overlay "/" are normalized lexically; nothing may climb above its root.
TEST(WasiPathTest, OverlayNormalize) {
  using host::wasi::Errno;
  struct Case {
    std::string base, path;
    Errno err;
    std::string out;
  } cases[] = {
      {"", "a/b", Errno::Success, "a/b"},
      {"", ".", Errno::Success, ""},
      {"", "", Errno::Success, ""},
      {"", "a//./b/", Errno::Success, "a/b"},
      {"", "a/../b", Errno::Success, "b"},
      {"", "a/..", Errno::Success, ""},
      {"", "..", Errno::NotCapable, ""},
      {"", "a/../../b", Errno::NotCapable, ""},
      {"", "/etc/passwd", Errno::NotCapable, ""},
      {"sub", "../x", Errno::Success, "x"},
      {"sub", "../../x", Errno::NotCapable, ""},
      {"sub/deep", "..", Errno::Success, "sub"},
  };
  for (const auto& c : cases) {
    std::string out = "unchanged";
    EXPECT_EQ(host::wasi::overlay_normalize(c.base, c.path, out), c.err)
        << c.base << " + " << c.path;
    if (c.err == Errno::Success) {
      EXPECT_EQ(out, c.out) << c.base << " + " << c.path;
    }
  }
}

class WasiBeneathTest : public ::testing::Test {
 protected:
  util::TempDir base_{fs::temp_directory_path(), "wasmlet-wasi-path-test"};
  fs::path root_ = base_.path() / "root";
  util::UniqueFd dir_;

  void SetUp() override {
    fs::create_directories(root_ / "dir" / "sub");
    fs::create_directories(base_.path() / "outside");
    std::ofstream(base_.path() / "outside" / "secret") << "secret";
    std::ofstream(root_ / "file") << "file";
    fs::create_directory_symlink("../outside", root_ / "out");
    fs::create_symlink("../outside/secret", root_ / "secret");
    fs::create_symlink("file", root_ / "inner");
    fs::create_directory_symlink("/etc", root_ / "etc");
    fs::create_directory_symlink("..", root_ / "dir" / "up");
    dir_ = util::UniqueFd(open(root_.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    ASSERT_GE(dir_.get(), 0);
  }
};

TEST_F(WasiBeneathTest, OpenBeneathRefusesEveryWayOut) {
  using host::wasi::Errno;
  struct Case {
    std::string path;
    Errno result;
  } cases[] = {
      {"file", Errno::Success},
      {"./dir/../file", Errno::Success},
      {"inner", Errno::Success},
      {"dir/up/file", Errno::Success},  // ".." back to the root is still beneath it
      {"missing", Errno::NoEnt},
      {"/etc/passwd", Errno::NotCapable},
      {"../root/file", Errno::NotCapable},
      {"dir/../../outside/secret", Errno::NotCapable},
      {"out/secret", Errno::NotCapable},
      {"secret", Errno::NotCapable},
      {"etc/passwd", Errno::NotCapable},
      {"dir/up/../outside/secret", Errno::NotCapable},
  };
  for (const auto& c : cases) {
    util::UniqueFd fd;
    EXPECT_EQ(host::wasi::open_beneath(dir_.get(), c.path, O_RDONLY, 0, fd), c.result) << c.path;
  }
  std::string checked;
  EXPECT_EQ(host::wasi::guest_path("a\0b"s, checked), Errno::Inval);
  EXPECT_EQ(host::wasi::guest_path("a/b", checked), Errno::Success);
  EXPECT_EQ(checked, "a/b");
}

TEST_F(WasiBeneathTest, OpenParentSplitsOffAPlainName) {
  using host::wasi::Errno;
  struct Case {
    std::string path;
    Errno result;
    std::string name;
    bool trailing_slash = false;
  } cases[] = {
      {"file", Errno::Success, "file"},
      {"dir/sub/", Errno::Success, "sub", true},
      {"dir//sub//", Errno::Success, "sub", true},
      {"dir/new", Errno::Success, "new"},
      {"", Errno::NoEnt, ""},
      {"/", Errno::NotCapable, ""},
      {"//", Errno::NotCapable, ""},
      {".", Errno::Inval, ""},
      {"dir/..", Errno::Inval, ""},
      {"../x", Errno::NotCapable, ""},
      {"/etc/passwd", Errno::NotCapable, ""},
      {"out/x", Errno::NotCapable, ""},
  };
  for (const auto& c : cases) {
    host::wasi::ParentDir parent;
    ASSERT_EQ(host::wasi::open_parent(dir_.get(), c.path, parent), c.result) << c.path;
    if (c.result != Errno::Success) continue;
    EXPECT_EQ(parent.name, c.name) << c.path;
    EXPECT_EQ(parent.trailing_slash, c.trailing_slash) << c.path;
  }
}

}  // namespace
}  // namespace wasmlet
