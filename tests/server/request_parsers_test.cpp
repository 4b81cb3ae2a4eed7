// Table-driven tests of the parsers a request passes through before any handler logic:
// call ids, query parameters, names and state keys, Faasm's invoke
// message and shared-file paths. The fuzz targets http_request and shared_path check the same
// functions' invariants on arbitrary input.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <optional>
#include <string>

#include "server/json_codec.h"
#include "server/replies.h"
#include "server/request_args.h"
#include "server/shared_files.h"
#include "util/files.h"

namespace wasmlet::server {
namespace {

namespace fs = std::filesystem;
using namespace std::string_literals;

// The status an HttpError carries, or 0 when the call returned.
template <typename F>
int refusal(F&& f) {
  try {
    f();
  } catch (const HttpError& e) {
    return static_cast<int>(e.status());
  }
  return 0;
}

TEST(RequestParsersTest, CallIds) {
  struct Case {
    std::string in;
    std::optional<uint64_t> id;
  } cases[] = {
      {"0", 0},
      {"42", 42},
      {"007", 7},
      {"18446744073709551615", UINT64_MAX},
      {"18446744073709551616", std::nullopt},  // one past the largest
      {"", std::nullopt},
      {"-1", std::nullopt},
      {"+1", std::nullopt},
      {" 1", std::nullopt},
      {"1 ", std::nullopt},
      {"1a", std::nullopt},
      {"0x10", std::nullopt},
  };
  for (const auto& c : cases) EXPECT_EQ(parse_call_id(c.in), c.id) << c.in;
}

TEST(RequestParsersTest, QueryParameters) {
  struct Case {
    std::string query, name;
    std::optional<std::string> value;
  } cases[] = {
      {"", "a", std::nullopt},
      {"a=1", "a", "1"},
      {"a=1&b=2", "b", "2"},
      {"a=1&a=2", "a", "1"},  // the first wins
      {"ab=1", "a", std::nullopt},
      {"a", "a", ""},
      {"a=", "a", ""},
      {"a=x%3Dy%26z", "a", "x=y&z"},
      {"&&a=1&", "a", "1"},
      {"b=%zz&a=1", "a", "1"},  // only the parameter asked for is decoded
  };
  for (const auto& c : cases) EXPECT_EQ(query_param(c.query, c.name), c.value) << c.query;
  EXPECT_EQ(refusal([] { (void)query_param("a=%zz", "a"); }), 400);
  EXPECT_EQ(refusal([] { (void)query_param("a=%4", "a"); }), 400);

  struct Flag {
    std::string query;
    bool set;
  } flags[] = {{"async", true},      {"async=", true},    {"async=1", true},
               {"async=true", true}, {"async=yes", true}, {"async=0", false},
               {"async=no", false},  {"", false},         {"asyncx=1", false}};
  for (const auto& c : flags) EXPECT_EQ(query_flag(c.query, "async"), c.set) << c.query;

  auto python = python_upload_args("entry=app%3Amain&convention=wsgi");
  EXPECT_EQ(python.entry, "app:main");
  EXPECT_EQ(python.convention, "wsgi");
}

TEST(RequestParsersTest, NamesAndStateKeys) {
  struct Case {
    std::string user, name;
    bool ok;
  } cases[] = {
      {"demo", "echo", true},
      {"a.b-c_D9", "x", true},
      {std::string(64, 'u'), std::string(64, 'n'), true},
      {std::string(65, 'u'), "n", false},
      {"u", std::string(65, 'n'), false},
      {"", "n", false},
      {"u", "", false},
      {".", "n", false},
      {"u", "..", false},
      {"a/b", "n", false},
      {"u", "n\0"s, false},
      {"u", "caf\xc3\xa9", false},
      {"u", "a b", false},
  };
  for (const auto& c : cases) {
    int expected = c.ok ? 0 : 400;
    EXPECT_EQ(refusal([&] { (void)function_id_arg(c.user, c.name); }), expected) << c.name;
    EXPECT_EQ(refusal([&] { check_state_key(c.user, c.name); }), expected) << c.name;
  }
}

// A message as one line, so that a table row can say everything it expects.
std::string describe(const FaasmMessage& m) {
  std::string out = m.user + "/" + m.function + " input=" + m.input;
  if (m.async) out += " async";
  if (m.python) out += " python " + m.py_user + "/" + m.py_func;
  if (m.status_id) out += " status " + std::to_string(*m.status_id);
  return out;
}

TEST(RequestParsersTest, FaasmMessage) {
  struct Case {
    std::string body, expected;
  } cases[] = {
      {R"({"user":"u","function":"f","input_data":"aGk=","async":true,"extra":[1]})",
       "u/f input=hi async"},
      {R"({"user":"u","function":"f"})", "u/f input="},
      {R"({"user":"u","function":"f","input_data":"aGk"})", "u/f input=hi"},  // unpadded
      {R"({"user":"u","function":"f","async":false,"python":false})", "u/f input="},
      {R"({"user":"python","function":"py_func","python":true,"py_user":"a","py_func":"b"})",
       "python/py_func input= python a/b"},
      {R"({"status":true,"id":7})", "/ input= status 7"},
      {R"({"status":true,"id":"8"})", "/ input= status 8"},  // the id as the string it was given
      {R"({"status":true,"id":7,"user":"ignored"})", "/ input= status 7"},
      {R"({"status":false,"user":"u","function":"f"})", "u/f input="},
  };
  for (const auto& c : cases) {
    std::string got;
    EXPECT_EQ(refusal([&] { got = describe(parse_faasm_message(c.body)); }), 0) << c.body;
    EXPECT_EQ(got, c.expected) << c.body;
  }

  for (const char* bad : {
           "",
           "{",
           "[]",
           "\"text\"",
           "null",
           R"({"user":1,"function":"f"})",
           R"({"user":"u","function":"f","input_data":"***"})",
           R"({"user":"u","function":"f","input_data":5})",
           R"({"user":"u","function":"f","async":"yes"})",
           R"({"status":true})",
           R"({"status":true,"id":-1})",
           R"({"status":true,"id":1.5})",
           R"({"status":true,"id":"x"})",
           "{\"user\":\"\xff\"}",
       }) {
    EXPECT_EQ(refusal([&] { (void)parse_faasm_message(bad); }), 400) << bad;
  }
  // Nesting is refused before anything is parsed (8 MiB of '[' took 630 MiB parsed); an
  // ignored field may nest as deep as the limit.
  const std::string deep = R"({"user":"u","function":"f","extra":)" + std::string(8 << 20, '[');
  EXPECT_EQ(refusal([&] { (void)parse_faasm_message(deep); }), 400);
  const std::string nested = R"({"user":"u","function":"f","x":)" +
                             std::string(kMaxBodyJsonDepth - 1, '[') +
                             std::string(kMaxBodyJsonDepth - 1, ']') + "}";
  EXPECT_EQ(refusal([&] { (void)parse_faasm_message(nested); }), 0);
  EXPECT_EQ(refusal([&] { (void)parse_body_json("[" + nested + "]"); }), 400);
}

class SharedPathTest : public ::testing::Test {
 protected:
  util::TempDir base_{fs::temp_directory_path(), "wasmlet-shared-path-test"};
  fs::path shared_ = base_.path() / "shared";

  void SetUp() override {
    fs::create_directories(shared_ / "dir");
    fs::create_directories(base_.path() / "outside");
    std::ofstream(base_.path() / "outside" / "secret") << "secret";
    fs::create_directory_symlink("../outside", shared_ / "out");
    fs::create_symlink("../outside/secret", shared_ / "secret");
    fs::create_directory_symlink("..", shared_ / "dir" / "up");
    fs::create_directory_symlink("/etc", shared_ / "etc");
  }
};

TEST_F(SharedPathTest, ResolvesInsideTheDirectoryOnly) {
  struct Case {
    std::string in;
    std::optional<std::string> rel;  // relative to the shared directory, nullopt for a 400
  } cases[] = {
      {"a.txt", "a.txt"},
      {"faasm://a.txt", "a.txt"},
      {"dir/new/b.txt", "dir/new/b.txt"},
      {"./dir//c", "dir/c"},
      {"dir/up/x", "dir/up/x"},  // a link to the directory itself stays inside
      {"", std::nullopt},
      {"faasm://", std::nullopt},
      {"/etc/passwd", std::nullopt},
      {"faasm:///etc/passwd", std::nullopt},
      {"..", std::nullopt},
      {"../x", std::nullopt},
      {"dir/../../x", std::nullopt},
      {"dir/..", std::nullopt},
      {".", std::nullopt},
      {"dir/", std::nullopt},
      {std::string(kMaxSharedNameBytes, 'n'), std::string(kMaxSharedNameBytes, 'n')},
      {"dir/" + std::string(kMaxSharedNameBytes + 1, 'n'), std::nullopt},
      {"a\0b"s, std::nullopt},
      {"out/secret", std::nullopt},
      {"out/new", std::nullopt},
      {"secret", std::nullopt},
      {"etc/passwd", std::nullopt},
      {"dir/up/out/secret", std::nullopt},
      // Reserved for functions' faasm:// writes in progress, which the quota does not count.
      {".wasmlet-write-0011223344556677", std::nullopt},
      {"dir/.wasmlet-write-x/f", std::nullopt},
      {"dir/.wasmlet-writer", "dir/.wasmlet-writer"},
  };
  for (const auto& c : cases) {
    std::optional<std::string> got;
    int status = refusal(
        [&] { got = resolve_shared_path(shared_, c.in).lexically_relative(shared_).string(); });
    if (c.rel) {
      EXPECT_EQ(status, 0) << c.in;
      EXPECT_EQ(got, c.rel) << c.in;
    } else {
      EXPECT_EQ(status, 400) << c.in;
    }
  }
}

TEST(SharedFileUsageTest, CountsFilesAndDirectoriesAsBlocksAndRefusesPastTheQuota) {
  util::TempDir base{fs::temp_directory_path(), "wasmlet-shared-usage-test"};
  const fs::path shared = base.path() / "shared";
  constexpr uint64_t kBlock = host::SharedDirUsage::kBlockBytes;
  // What was there before the server started is learnt from the disk.
  fs::create_directories(shared / "old");
  std::ofstream(shared / "old" / "big") << std::string(10'000, 'x');
  host::SharedDirUsage usage;
  EXPECT_EQ(usage.bytes(shared), kBlock + 10'000);

  const uint64_t quota = kBlock + 10'000 + 3 * kBlock;
  // A new directory and an empty file: a block each.
  write_shared_file_within(usage, shared, shared / "d" / "a", "", quota);
  EXPECT_EQ(usage.bytes(shared), kBlock + 10'000 + 2 * kBlock);
  write_shared_file_within(usage, shared, shared / "d" / "b", "12345", quota);
  EXPECT_EQ(usage.bytes(shared), quota);
  EXPECT_EQ(refusal([&] { write_shared_file_within(usage, shared, shared / "c", "x", quota); }),
            403);
  EXPECT_FALSE(fs::exists(shared / "c"));
  // Replacing a file counts its new size instead of its old one.
  write_shared_file_within(usage, shared, shared / "d" / "b", std::string(kBlock, 'y'), quota);
  EXPECT_EQ(refusal([&] {
              write_shared_file_within(usage, shared, shared / "d" / "b",
                                       std::string(kBlock + 1, 'z'), quota);
            }),
            403);
  EXPECT_EQ(fs::file_size(shared / "d" / "b"), kBlock);
  write_shared_file_within(usage, shared, shared / "old" / "big", "", quota);
  EXPECT_EQ(usage.bytes(shared), quota - 10'000 + kBlock);
  // A refused write for another reason changes nothing.
  EXPECT_EQ(refusal([&] { write_shared_file_within(usage, shared, shared / "d", "x", quota * 2); }),
            409);
  EXPECT_EQ(usage.bytes(shared), quota - 10'000 + kBlock);
  // Another directory is counted on its own.
  EXPECT_EQ(usage.bytes(base.path() / "other"), 0u);
}

}  // namespace
}  // namespace wasmlet::server
