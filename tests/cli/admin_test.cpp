// `wasmlet admin` as an operator runs it: offline on a data directory (the bootstrap of the
// first admin key), and the key a client sends to a server (flag, then $WASMLET_KEY, then the
// config file, which must be private).
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "raw_http.h"
#include "test_support.h"
#include "util/subprocess.h"

namespace wasmlet {
namespace {

namespace fs = std::filesystem;

// Runs `wasmlet admin ARGS` with the environment `env` (NAME=VALUE) and no key or config of
// the user's own.
util::ProcessResult admin(const std::vector<std::string>& args,
                          const std::vector<std::string>& env = {}) {
  std::vector<std::string> argv = {
      "/usr/bin/env",   "-u",
      "WASMLET_KEY",    "-u",
      "WASMLET_SERVER", "WASMLET_CONFIG=/nonexistent/wasmlet-config.json"};
  argv.insert(argv.end(), env.begin(), env.end());
  argv.push_back(WASMLET_EXE_PATH);
  argv.push_back("admin");
  argv.insert(argv.end(), args.begin(), args.end());
  return util::run_process(argv);
}

const std::regex kKeyLine(R"(wlk_([0-9a-f]{16})_[A-Za-z0-9_-]{43}\n)");

TEST(AdminCommand, BootstrapsATenantAndKeyOffline) {
  fs::path dir = test::fresh_test_dir("admin-cli");
  std::string data = "--data-dir=" + dir.string();
  auto add = admin({"tenant", "add", "root", "--admin", data});
  ASSERT_EQ(add.exit_code, 0) << add.output;
  EXPECT_NE(add.output.find("added tenant root (admin)"), std::string::npos) << add.output;
  ASSERT_EQ(admin({"tenant", "add", "alice", data}).exit_code, 0);

  auto key = admin({"key", "create", "root", "--label", "bootstrap", data});
  ASSERT_EQ(key.exit_code, 0) << key.output;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(key.output, m, kKeyLine)) << key.output;
  std::string id = m[1];
  EXPECT_NE(key.output.find("will not be shown again"), std::string::npos) << key.output;

  auto tenants = admin({"tenant", "list", data});
  EXPECT_EQ(tenants.exit_code, 0);
  EXPECT_NE(tenants.output.find("root"), std::string::npos) << tenants.output;
  EXPECT_NE(tenants.output.find("alice"), std::string::npos) << tenants.output;

  auto keys = admin({"key", "list", "root", data});
  EXPECT_EQ(keys.exit_code, 0);
  EXPECT_NE(keys.output.find(id), std::string::npos) << keys.output;
  EXPECT_NE(keys.output.find("bootstrap"), std::string::npos) << keys.output;
  EXPECT_EQ(keys.output.find("wlk_"), std::string::npos) << "a listing shows no key";

  auto quota =
      admin({"tenant", "quota", "alice", "--set", "calls_per_second=5", "--set", "burst=10", data});
  ASSERT_EQ(quota.exit_code, 0) << quota.output;
  EXPECT_NE(quota.output.find("\"burst\": 10"), std::string::npos) << quota.output;
  auto bad_quota = admin({"tenant", "quota", "alice", "--set", "burst=lots", data});
  EXPECT_NE(bad_quota.exit_code, 0);
  EXPECT_NE(bad_quota.output.find("'burst'"), std::string::npos) << bad_quota.output;

  EXPECT_EQ(admin({"public", "function", "alice/echo", "on", data}).exit_code, 0);
  EXPECT_EQ(admin({"share", "alice/echo", "--with", "root", data}).exit_code, 0);

  auto revoke = admin({"key", "revoke", id, data});
  EXPECT_EQ(revoke.exit_code, 0) << revoke.output;
  auto after = admin({"key", "list", data});
  EXPECT_NE(after.output.find("no keys"), std::string::npos) << after.output;
  auto again = admin({"key", "revoke", id, data});
  EXPECT_NE(again.exit_code, 0);
  EXPECT_NE(again.output.find("no key"), std::string::npos) << again.output;
}

TEST(AdminCommand, RefusesBadNames) {
  fs::path dir = test::fresh_test_dir("admin-cli");
  std::string data = "--data-dir=" + dir.string();
  for (const char* bad : {"..", "a/b", "has space", ""}) {
    auto r = admin({"tenant", "add", bad, data});
    EXPECT_NE(r.exit_code, 0) << bad;
    EXPECT_NE(r.output.find("invalid tenant name"), std::string::npos) << r.output;
  }
  auto unknown = admin({"key", "create", "nobody", data});
  EXPECT_NE(unknown.exit_code, 0);
  EXPECT_NE(unknown.output.find("no tenant 'nobody'"), std::string::npos) << unknown.output;
}

void write_config(const fs::path& path, const std::string& text, fs::perms perms) {
  std::ofstream(path) << text;
  fs::permissions(path, perms, fs::perm_options::replace);
}

TEST(AdminCommand, RefusesAConfigFileOthersCanRead) {
  fs::path dir = test::fresh_test_dir("admin-cli");
  fs::path config = dir / "config.json";
  write_config(config, R"({"server": "127.0.0.1:1", "key": "x"})",
               fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read);
  auto r = admin({"tenant", "list"}, {"WASMLET_CONFIG=" + config.string()});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("chmod 600"), std::string::npos) << r.output;
}

// Plays the admin API for `requests` requests and collects their Authorization headers.
class FakeAdminServer {
 public:
  explicit FakeAdminServer(int requests)
      : thread_([this, requests] {
          for (int i = 0; i < requests; ++i) {
            auto conn = listener_.accept_within(std::chrono::seconds(60));
            if (!conn) return;
            std::string head = test::read_request(conn.get());
            std::smatch m;
            std::regex auth("\r\nAuthorization: ([^\r]*)\r\n", std::regex::icase);
            seen_.push_back(std::regex_search(head, m, auth) ? m[1].str() : "");
            std::string reply =
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 14\r\n"
                "Connection: close\r\n\r\n{\"tenants\":[]}";
            ASSERT_EQ(write(conn.get(), reply.data(), reply.size()),
                      static_cast<ssize_t>(reply.size()));
          }
        }) {}
  std::string address() const { return "127.0.0.1:" + std::to_string(listener_.port()); }
  std::vector<std::string> seen() {
    thread_.join();
    return seen_;
  }

 private:
  test::RawListener listener_;
  std::vector<std::string> seen_;
  std::thread thread_;
};

TEST(AdminCommand, KeyPrecedenceFlagThenEnvironmentThenFile) {
  const std::string flag_key = "wlk_1111111111111111_" + std::string(42, 'A') + "A";
  const std::string env_key = "wlk_2222222222222222_" + std::string(42, 'B') + "A";
  const std::string file_key = "wlk_3333333333333333_" + std::string(42, 'C') + "A";
  fs::path dir = test::fresh_test_dir("admin-cli");
  fs::path config = dir / "config.json";
  FakeAdminServer server(3);
  write_config(config, R"({"server": ")" + server.address() + R"(", "key": ")" + file_key + "\"}",
               fs::perms::owner_read | fs::perms::owner_write);
  std::string use_config = "WASMLET_CONFIG=" + config.string();

  auto by_flag =
      admin({"tenant", "list", "--key", flag_key}, {use_config, "WASMLET_KEY=" + env_key});
  EXPECT_EQ(by_flag.exit_code, 0) << by_flag.output;
  auto by_env = admin({"tenant", "list"}, {use_config, "WASMLET_KEY=" + env_key});
  EXPECT_EQ(by_env.exit_code, 0) << by_env.output;
  auto by_file = admin({"tenant", "list"}, {use_config});
  EXPECT_EQ(by_file.exit_code, 0) << by_file.output;
  EXPECT_EQ(server.seen(), (std::vector<std::string>{"Bearer " + flag_key, "Bearer " + env_key,
                                                     "Bearer " + file_key}));
}

TEST(AdminCommand, OverHttpWithoutAKeyExplainsWhere) {
  auto r = admin({"tenant", "list", "--server", "127.0.0.1:1"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("needs an admin key"), std::string::npos) << r.output;
  auto bad = admin({"tenant", "list", "--server", "127.0.0.1:1"}, {"WASMLET_KEY=hunter2"});
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_NE(bad.output.find("$WASMLET_KEY is not a Wasmlet API key"), std::string::npos)
      << bad.output;
}

}  // namespace
}  // namespace wasmlet
