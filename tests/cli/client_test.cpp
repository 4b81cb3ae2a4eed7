// The `wasmlet` client commands as a user runs them: a real `wasmlet serve` child process on a
// free port, driven by real `wasmlet upload|invoke|status|state|functions|rm` processes.
#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <future>
#include <optional>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "raw_http.h"
#include "test_certs.h"
#include "test_support.h"
#include "util/files.h"
#include "util/http_client.h"
#include "util/subprocess.h"

extern char** environ;

namespace wasmlet {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// Per process, so that two runs of the test binary never share a directory.
fs::path fresh_dir(const std::string& name) {
  fs::path dir = fs::path(WASMLET_TEST_CACHE_DIR).parent_path() / "client-test" /
                 (name + "-" + std::to_string(getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Starts a program with stdout and stderr going to files; returns its pid.
pid_t spawn(const std::vector<std::string>& argv, const fs::path& out, const fs::path& err,
            const std::vector<std::string>& extra_env = {}) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, out.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, err.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  std::vector<std::string> env_storage(extra_env);
  std::vector<char*> env;
  for (char** e = environ; *e; ++e) {
    // The test decides where the client goes and what it trusts, never the caller's environment.
    if (std::string_view(*e).starts_with("WASMLET_SERVER=") ||
        std::string_view(*e).starts_with("WASMLET_CACERT="))
      continue;
    env.push_back(*e);
  }
  for (auto& e : env_storage) env.push_back(e.data());
  env.push_back(nullptr);
  pid_t pid = 0;
  int rc = posix_spawn(&pid, args[0], &actions, nullptr, args.data(), env.data());
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) throw Error("cannot start " + argv[0]);
  return pid;
}

// Waits for a child; nullopt when it is still running after `timeout`. Exit status, or -signal.
std::optional<int> wait_for(pid_t pid, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    int status = 0;
    pid_t r = waitpid(pid, &status, WNOHANG);
    if (r == pid) return WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
    if (r < 0) return -1;
    if (std::chrono::steady_clock::now() > deadline) return std::nullopt;
    std::this_thread::sleep_for(10ms);
  }
}

struct ClientRun {
  int exit_code = -1;
  std::string out, err;
};

// One `wasmlet` client process; stdout and stderr kept apart.
ClientRun wasmlet(const std::vector<std::string>& args, const std::vector<std::string>& env = {}) {
  static int counter = 0;
  fs::path dir = fs::path(WASMLET_TEST_CACHE_DIR).parent_path() / "client-test" / "runs";
  fs::create_directories(dir);
  std::string stem = std::to_string(getpid()) + "-" + std::to_string(++counter);
  fs::path out = dir / (stem + ".out"), err = dir / (stem + ".err");
  std::vector<std::string> argv = {WASMLET_EXE_PATH};
  argv.insert(argv.end(), args.begin(), args.end());
  pid_t pid = spawn(argv, out, err, env);
  ClientRun r;
  auto status = wait_for(pid, 120s);
  if (!status) {
    kill(pid, SIGKILL);
    waitpid(pid, nullptr, 0);
  }
  r.exit_code = status.value_or(-1);
  r.out = slurp(out);
  r.err = slurp(err);
  fs::remove(out);
  fs::remove(err);
  return r;
}

std::string show(const ClientRun& r) {
  return "exit " + std::to_string(r.exit_code) + "\nstdout: " + r.out + "\nstderr: " + r.err;
}

// `wasmlet serve` on a port of its choosing, with its own data directory. Killed (SIGKILL) if a
// test leaves it running. With `tls`, it serves HTTPS with that certificate.
class Server {
 public:
  // `prepare` runs on the data directory before the server starts (e.g. to make keys).
  explicit Server(const std::string& name, std::optional<test::TestCerts> tls = std::nullopt,
                  const std::function<void(const fs::path&)>& prepare = {})
      : dir_(fresh_dir(name)), tls_(std::move(tls)) {
    fs::create_directories(dir_ / "data");
    if (prepare) prepare(dir_ / "data");
    std::vector<std::string> argv = {
        WASMLET_EXE_PATH,         "serve",     "--port", "0", "--data-dir",
        (dir_ / "data").string(), "--timeout", "20s"};
    if (tls_) {
      argv.insert(argv.end(), {"--tls-cert", tls_->server_cert.string(), "--tls-key",
                               tls_->server_key.string()});
    }
    pid_ = spawn(argv, dir_ / "server.out", dir_ / "server.err");
    // The port it bound is in its start-up log; waiting for /healthz proves it serves.
    auto deadline = std::chrono::steady_clock::now() + 60s;
    static const std::regex listening("listening on https?://[^ ]*:([0-9]+)");
    while (port_ == 0) {
      std::smatch m;
      std::string log = this->log();
      if (std::regex_search(log, m, listening)) port_ = static_cast<uint16_t>(std::stoi(m[1]));
      if (port_ == 0 &&
          (std::chrono::steady_clock::now() > deadline || wait_for(pid_, 0ms).has_value())) {
        pid_ = -1;
        throw Error("the server did not start:\n" + log);
      }
      std::this_thread::sleep_for(20ms);
    }
    util::HttpClientOptions options;
    if (tls_) {
      options.tls = true;
      options.ca_file = tls_->ca.string();
    }
    util::HttpClient client("127.0.0.1", port_, options);
    while (client.request("GET", "/healthz").status != 200) std::this_thread::sleep_for(20ms);
  }
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;
  ~Server() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    // A failed test keeps the server's log and data for a look.
    std::error_code ignored;
    if (!::testing::Test::HasFailure()) fs::remove_all(dir_, ignored);
  }

  uint16_t port() const { return port_; }
  std::string address() const {
    return (tls_ ? "https://127.0.0.1:" : "127.0.0.1:") + std::to_string(port_);
  }
  std::string log() const { return slurp(dir_ / "server.out") + slurp(dir_ / "server.err"); }
  const fs::path& dir() const { return dir_; }

  // SIGTERM, then the exit status (-1 if it had to be killed).
  int stop() {
    kill(pid_, SIGTERM);
    auto status = wait_for(pid_, 60s);
    if (!status) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    pid_ = -1;
    return status.value_or(-1);
  }

 private:
  fs::path dir_;
  std::optional<test::TestCerts> tls_;
  pid_t pid_ = -1;
  uint16_t port_ = 0;
};

// Client arguments with the server's address appended.
std::vector<std::string> at(const Server& s, std::vector<std::string> args) {
  args.push_back("--server");
  args.push_back(s.address());
  return args;
}

// Compiles a small C function with `wasmlet cc`.
fs::path compile_c(const fs::path& dir, const std::string& name, const std::string& source) {
  fs::path src = dir / (name + ".c"), out = dir / (name + ".wasm");
  std::ofstream(src) << source;
  auto r = util::run_process({WASMLET_EXE_PATH, "cc", src.string(), "-o", out.string()});
  if (r.exit_code != 0) throw Error("wasmlet cc failed: " + r.output);
  return out;
}

TEST(ClientCommands, UploadInvokeStatusListRemove) {
  Server server("functions");
  std::string echo = test::guest_path("echo").string();

  auto up = wasmlet(at(server, {"upload", "alice/echo", echo}));
  ASSERT_EQ(up.exit_code, 0) << show(up) << server.log();
  EXPECT_TRUE(std::regex_search(
      up.out,
      std::regex(
          R"(^uploaded alice/echo \([0-9]+ bytes, (compiled in [0-9.]+ s|already compiled)\)\n$)")))
      << up.out;

  auto inv = wasmlet(at(server, {"invoke", "alice/echo", "--input", "hello, server"}));
  EXPECT_EQ(inv.exit_code, 0) << show(inv);
  EXPECT_EQ(inv.out, "hello, server");  // raw bytes: not a terminal, so no newline added
  EXPECT_TRUE(std::regex_search(inv.err, std::regex(R"(^call [0-9]+: return code 0\n$)")))
      << inv.err;

  fs::path input = server.dir() / "input.bin";
  std::ofstream(input, std::ios::binary) << std::string("bin\0ary\n", 8);
  auto from_file = wasmlet(at(server, {"invoke", "alice/echo", "--input-file", input.string()}));
  EXPECT_EQ(from_file.exit_code, 0) << show(from_file);
  EXPECT_EQ(from_file.out, std::string("bin\0ary\n", 8));

  // The address may come from the environment instead of --server.
  auto via_env =
      wasmlet({"invoke", "alice/echo", "--input", "env"}, {"WASMLET_SERVER=" + server.address()});
  EXPECT_EQ(via_env.exit_code, 0) << show(via_env);
  EXPECT_EQ(via_env.out, "env");

  auto async = wasmlet(at(server, {"invoke", "alice/echo", "--input", "later", "--async"}));
  ASSERT_EQ(async.exit_code, 0) << show(async);
  ASSERT_TRUE(std::regex_match(async.out, std::regex("[0-9]+\n"))) << async.out;
  std::string id = async.out.substr(0, async.out.size() - 1);
  ClientRun st;
  for (int i = 0; i < 500; ++i) {
    st = wasmlet(at(server, {"status", id}));
    if (st.out.find("succeeded") != std::string::npos) break;
    std::this_thread::sleep_for(20ms);
  }
  EXPECT_EQ(st.exit_code, 0) << show(st);
  EXPECT_NE(st.out.find("call         " + id + "\n"), std::string::npos) << st.out;
  EXPECT_NE(st.out.find("function     alice/echo\n"), std::string::npos) << st.out;
  EXPECT_NE(st.out.find("status       succeeded\n"), std::string::npos) << st.out;
  EXPECT_NE(st.out.find("return code  0\n"), std::string::npos) << st.out;
  EXPECT_NE(st.out.find("output       later\n"), std::string::npos) << st.out;

  auto unknown_call = wasmlet(at(server, {"status", "999999"}));
  EXPECT_EQ(unknown_call.exit_code, 1);
  EXPECT_EQ(unknown_call.err, "wasmlet: error: no call 999999 (unknown, or its result expired)\n");

  ASSERT_EQ(wasmlet(at(server, {"upload", "bob/copy", echo})).exit_code, 0);
  auto list = wasmlet(at(server, {"functions"}));
  EXPECT_EQ(list.exit_code, 0) << show(list);
  EXPECT_TRUE(std::regex_search(list.out, std::regex(R"(^NAME +KIND +SIZE +UPLOADED\n)")))
      << list.out;
  EXPECT_TRUE(std::regex_search(
      list.out, std::regex(R"(\nalice/echo +wasm +[0-9.]+ (B|KiB) +20[0-9-]+T[0-9:.]+Z\n)")))
      << list.out;
  EXPECT_NE(list.out.find("\nbob/copy "), std::string::npos) << list.out;

  auto rm = wasmlet(at(server, {"rm", "alice/echo"}));
  EXPECT_EQ(rm.exit_code, 0) << show(rm);
  EXPECT_EQ(rm.out, "removed alice/echo\n");

  auto gone = wasmlet(at(server, {"invoke", "alice/echo", "--input", "x"}));
  EXPECT_EQ(gone.exit_code, 1);
  EXPECT_EQ(gone.out, "");
  EXPECT_EQ(gone.err, "wasmlet: error: no function alice/echo\n");
  auto rm_again = wasmlet(at(server, {"rm", "alice/echo"}));
  EXPECT_EQ(rm_again.exit_code, 1);
  EXPECT_EQ(rm_again.err, "wasmlet: error: no function alice/echo\n");

  list = wasmlet(at(server, {"functions"}));
  EXPECT_EQ(list.out.find("alice/echo"), std::string::npos) << list.out;

  EXPECT_EQ(server.stop(), 0) << server.log();
}

TEST(ClientCommands, FailuresBecomeMessagesAndExitCodes) {
  Server server("failures");
  auto seven = compile_c(server.dir(), "seven",
                         "#include <wasmlet/wasmlet.h>\n"
                         "int main(void) { wasmlet_set_output(\"seven\", 5); return 7; }\n");
  ASSERT_EQ(wasmlet(at(server, {"upload", "alice/seven", seven.string()})).exit_code, 0);
  ASSERT_EQ(
      wasmlet(at(server, {"upload", "alice/trap", test::guest_path("trap").string()})).exit_code,
      0);

  // A function's non-zero return code is the exit status; its output is still printed.
  auto r = wasmlet(at(server, {"invoke", "alice/seven"}));
  EXPECT_EQ(r.exit_code, 7) << show(r);
  EXPECT_EQ(r.out, "seven");
  EXPECT_TRUE(std::regex_search(r.err, std::regex(R"(^call [0-9]+: return code 7\n$)"))) << r.err;

  auto trap = wasmlet(at(server, {"invoke", "alice/trap"}));
  EXPECT_EQ(trap.exit_code, 1) << show(trap);
  EXPECT_EQ(trap.err, "wasmlet: error: trap: out of bounds memory access\n");

  // The server refuses a module that is not valid, and says why.
  fs::path junk = server.dir() / "junk.wasm";
  std::ofstream(junk) << "not wasm";
  auto bad = wasmlet(at(server, {"upload", "alice/junk", junk.string()}));
  EXPECT_EQ(bad.exit_code, 1) << show(bad);
  EXPECT_TRUE(bad.err.starts_with("wasmlet: error: ")) << bad.err;
  EXPECT_EQ(std::count(bad.err.begin(), bad.err.end(), '\n'), 1) << bad.err;

  auto bad_name = wasmlet(at(server, {"invoke", "no-slash"}));
  EXPECT_EQ(bad_name.exit_code, 1);
  EXPECT_EQ(bad_name.err, "wasmlet: error: expected USER/FUNCTION, got 'no-slash'\n");

  auto invalid = wasmlet(at(server, {"invoke", "alice/bad name"}));
  EXPECT_EQ(invalid.exit_code, 1);
  EXPECT_TRUE(invalid.err.starts_with("wasmlet: error: invalid function name")) << invalid.err;

  EXPECT_EQ(server.stop(), 0) << server.log();
}

TEST(ClientCommands, State) {
  Server server("state");
  auto put = wasmlet(at(server, {"state", "put", "alice/greeting", "--value", "hi there"}));
  EXPECT_EQ(put.exit_code, 0) << show(put);
  EXPECT_EQ(put.out, "stored alice/greeting (8 bytes)\n");

  auto get = wasmlet(at(server, {"state", "get", "alice/greeting"}));
  EXPECT_EQ(get.exit_code, 0) << show(get);
  EXPECT_EQ(get.out, "hi there");

  fs::path file = server.dir() / "value.bin";
  std::ofstream(file, std::ios::binary) << std::string("\x00\x01\xff", 3);
  ASSERT_EQ(wasmlet(at(server, {"state", "put", "alice/blob", "--file", file.string()})).exit_code,
            0);
  EXPECT_EQ(wasmlet(at(server, {"state", "get", "alice/blob"})).out,
            std::string("\x00\x01\xff", 3));

  // Keys are per user.
  auto other = wasmlet(at(server, {"state", "get", "bob/greeting"}));
  EXPECT_EQ(other.exit_code, 1);
  EXPECT_EQ(other.err, "wasmlet: error: no state bob/greeting\n");

  auto no_value = wasmlet(at(server, {"state", "put", "alice/x"}));
  EXPECT_EQ(no_value.exit_code, 1);
  EXPECT_EQ(no_value.err, "wasmlet: error: state put needs --value or --file\n");

  EXPECT_EQ(server.stop(), 0) << server.log();
}

TEST(ClientCommands, NoServer) {
  // A port nothing listens on: bind one, then close it.
  uint16_t port = 0;
  {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    ASSERT_EQ(getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len), 0);
    port = ntohs(a.sin_port);
    close(fd);
  }
  std::string address = "127.0.0.1:" + std::to_string(port);
  for (std::vector<std::string> args : {std::vector<std::string>{"functions"},
                                        {"invoke", "a/b", "--input", "x"},
                                        {"state", "get", "a/k"}}) {
    args.insert(args.end(), {"--server", address});
    auto r = wasmlet(args);
    EXPECT_EQ(r.exit_code, 1) << show(r);
    EXPECT_EQ(r.err,
              "wasmlet: error: cannot reach the server at " + address + ": Connection refused\n");
  }
  auto bad = wasmlet({"functions", "--server", "localhost:notaport"});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_EQ(bad.err,
            "wasmlet: error: bad server address 'localhost:notaport' ([https://]HOST:PORT)\n");
}

// Without keys the server runs open on loopback and says so; on any other address it refuses to
// start unless told, before it binds anything; with keys it starts anywhere.
TEST(ClientCommands, ServeRefusesToRunOpenOffLoopback) {
  Server open("open-loopback");
  EXPECT_NE(open.log().find("no API keys: open mode"), std::string::npos) << open.log();
  EXPECT_EQ(open.stop(), 0);

  fs::path data = fresh_dir("open-elsewhere") / "data";
  auto refused =
      wasmlet({"serve", "--address", "0.0.0.0", "--port", "0", "--data-dir", data.string()});
  EXPECT_NE(refused.exit_code, 0) << show(refused);
  EXPECT_NE((refused.out + refused.err).find("refusing to serve 0.0.0.0 with no API keys"),
            std::string::npos)
      << show(refused);
  // Told explicitly, it goes on to bind (192.0.2.1, TEST-NET-1, is no address of this host, so
  // binding fails: proof that the check let it through without opening anything).
  auto told = wasmlet({"serve", "--address", "192.0.2.1", "--port", "0", "--data-dir",
                       data.string(), "--allow-open"});
  EXPECT_NE(told.exit_code, 0) << show(told);
  EXPECT_EQ((told.out + told.err).find("refusing"), std::string::npos) << show(told);
  // With a key in the store there is nothing to refuse.
  ASSERT_EQ(
      wasmlet({"admin", "--data-dir", data.string(), "tenant", "add", "root", "--admin"}).exit_code,
      0);
  ASSERT_EQ(wasmlet({"admin", "--data-dir", data.string(), "key", "create", "root"}).exit_code, 0);
  auto keyed =
      wasmlet({"serve", "--address", "192.0.2.1", "--port", "0", "--data-dir", data.string()});
  EXPECT_EQ((keyed.out + keyed.err).find("refusing"), std::string::npos) << show(keyed);
}

// The client commands against a server with keys: refused without one, and the key taken from
// --key, $WASMLET_KEY or the config file; each tenant sees its own functions only.
TEST(ClientCommands, KeysFromFlagEnvironmentOrConfig) {
  std::string alice, bob;
  auto make_key = [](const fs::path& data, const std::string& tenant) {
    auto added = wasmlet({"admin", "--data-dir", data.string(), "tenant", "add", tenant});
    EXPECT_EQ(added.exit_code, 0) << show(added);
    auto key = wasmlet({"admin", "--data-dir", data.string(), "key", "create", tenant});
    EXPECT_EQ(key.exit_code, 0) << show(key);
    std::string text = key.out;
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.pop_back();
    return text;
  };
  Server server("keys", std::nullopt, [&](const fs::path& data) {
    alice = make_key(data, "alice");
    bob = make_key(data, "bob");
  });
  ASSERT_TRUE(alice.starts_with("wlk_")) << alice;
  std::string echo = test::guest_path("echo").string();

  auto anonymous = wasmlet(at(server, {"upload", "alice/echo", echo}));
  EXPECT_NE(anonymous.exit_code, 0) << show(anonymous);
  EXPECT_NE(anonymous.err.find("needs an API key"), std::string::npos) << show(anonymous);

  auto flag = wasmlet(at(server, {"upload", "alice/echo", echo, "--key", alice}));
  ASSERT_EQ(flag.exit_code, 0) << show(flag) << server.log();
  auto env =
      wasmlet(at(server, {"invoke", "alice/echo", "--input", "env"}), {"WASMLET_KEY=" + alice});
  EXPECT_EQ(env.exit_code, 0) << show(env);
  EXPECT_EQ(env.out, "env");

  fs::path config = server.dir() / "config.json";
  util::write_file_atomic(config, R"({"key": ")" + alice + R"("})");
  fs::permissions(config, fs::perms::owner_read | fs::perms::owner_write);
  auto from_file = wasmlet(at(server, {"invoke", "alice/echo", "--input", "file"}),
                           {"WASMLET_CONFIG=" + config.string()});
  EXPECT_EQ(from_file.exit_code, 0) << show(from_file);
  EXPECT_EQ(from_file.out, "file");

  auto theirs = wasmlet(at(server, {"invoke", "alice/echo", "--key", bob}));
  EXPECT_NE(theirs.exit_code, 0);
  EXPECT_NE(theirs.err.find("may not invoke"), std::string::npos) << show(theirs);
  auto list = wasmlet(at(server, {"functions", "--key", bob}));
  EXPECT_EQ(list.exit_code, 0) << show(list);
  EXPECT_EQ(list.out.find("alice/echo"), std::string::npos) << list.out;
  EXPECT_EQ(server.stop(), 0);
}

// `wasmlet admin` over the HTTP admin API of a running server, with the admin key from the
// environment; a tenant key is refused there.
TEST(ClientCommands, AdminOverHttp) {
  std::string root;
  Server server("admin-http", std::nullopt, [&](const fs::path& data) {
    ASSERT_EQ(wasmlet({"admin", "--data-dir", data.string(), "tenant", "add", "root", "--admin"})
                  .exit_code,
              0);
    root = wasmlet({"admin", "--data-dir", data.string(), "key", "create", "root"}).out;
    while (!root.empty() && std::isspace(static_cast<unsigned char>(root.back()))) root.pop_back();
  });
  const std::vector<std::string> env = {"WASMLET_KEY=" + root};
  auto admin = [&](std::vector<std::string> args, const std::vector<std::string>& e) {
    args.insert(args.begin(), {"admin", "--server", server.address()});
    return wasmlet(args, e);
  };
  auto added = admin({"tenant", "add", "carol"}, env);
  ASSERT_EQ(added.exit_code, 0) << show(added) << server.log();
  auto key = admin({"key", "create", "carol", "--label", "ci"}, env);
  ASSERT_EQ(key.exit_code, 0) << show(key);
  std::string carol = key.out.substr(0, key.out.find('\n'));
  EXPECT_TRUE(carol.starts_with("wlk_")) << key.out;
  EXPECT_NE(key.err.find("will not be shown again"), std::string::npos) << key.err;
  auto keys = admin({"key", "list", "carol"}, env);
  EXPECT_NE(keys.out.find(carol.substr(4, 16)), std::string::npos) << keys.out;
  EXPECT_EQ(keys.out.find(carol), std::string::npos) << "a listed key shows its secret";
  auto quota = admin({"tenant", "quota", "carol", "--set", "calls_per_second=5"}, env);
  EXPECT_EQ(quota.exit_code, 0) << show(quota);
  EXPECT_NE(quota.out.find("\"calls_per_second\": 5"), std::string::npos) << quota.out;
  EXPECT_EQ(admin({"public", "function", "carol/echo", "on"}, env).exit_code, 0);
  EXPECT_EQ(admin({"share", "carol/echo", "--with", "root"}, env).exit_code, 0);

  // Carol's own key is no admin key.
  auto refused = admin({"tenant", "list"}, {"WASMLET_KEY=" + carol});
  EXPECT_NE(refused.exit_code, 0);
  EXPECT_NE(refused.err.find("admin key"), std::string::npos) << show(refused);

  auto revoked = admin({"key", "revoke", carol.substr(4, 16)}, env);
  EXPECT_EQ(revoked.exit_code, 0) << show(revoked);
  auto gone = wasmlet(at(server, {"functions", "--key", carol}));
  EXPECT_NE(gone.exit_code, 0);
  EXPECT_NE(gone.err.find("unknown or revoked"), std::string::npos) << show(gone);
  EXPECT_EQ(admin({"tenant", "rm", "carol"}, env).exit_code, 0);
  EXPECT_EQ(admin({"tenant", "list"}, env).out.find("carol"), std::string::npos);
  EXPECT_EQ(server.stop(), 0);
}

// `wasmlet serve --tls-cert/--tls-key` and the client commands over https:// with a private CA.
TEST(ClientCommands, Https) {
  auto certs = test::make_test_certs(fresh_dir("certs"));
  if (!certs) GTEST_SKIP() << test::kNoOpenssl;
  Server server("https", certs);
  std::string ca = certs->ca.string();
  std::string echo = test::guest_path("echo").string();

  auto up = wasmlet(at(server, {"upload", "alice/echo", echo, "--cacert", ca}));
  ASSERT_EQ(up.exit_code, 0) << show(up) << server.log();
  auto inv = wasmlet(at(server, {"invoke", "alice/echo", "--input", "secret", "--cacert", ca}));
  EXPECT_EQ(inv.exit_code, 0) << show(inv);
  EXPECT_EQ(inv.out, "secret");
  auto via_env =
      wasmlet(at(server, {"invoke", "alice/echo", "--input", "env"}), {"WASMLET_CACERT=" + ca});
  EXPECT_EQ(via_env.exit_code, 0) << show(via_env);
  EXPECT_EQ(via_env.out, "env");

  // Without the private CA the system's CAs do not vouch for the server: refused, one line.
  auto untrusted = wasmlet(at(server, {"invoke", "alice/echo", "--input", "x"}));
  EXPECT_EQ(untrusted.exit_code, 1) << show(untrusted);
  EXPECT_EQ(untrusted.out, "");
  EXPECT_EQ(untrusted.err,
            "wasmlet: error: TLS: certificate verify failed (unable to get local issuer "
            "certificate)\n");
  auto no_file =
      wasmlet(at(server, {"functions", "--cacert", (server.dir() / "none.pem").string()}));
  EXPECT_EQ(no_file.exit_code, 1) << show(no_file);
  EXPECT_EQ(no_file.err, "wasmlet: error: TLS: cannot read the CA file " +
                             (server.dir() / "none.pem").string() +
                             ": No such file or directory\n");
  EXPECT_EQ(server.stop(), 0) << server.log();
}

TEST(ClientCommands, ServeRefusesAKeyThatIsNotItsCertificates) {
  auto certs = test::make_test_certs(fresh_dir("certs"));
  if (!certs) GTEST_SKIP() << test::kNoOpenssl;
  fs::path data = fresh_dir("mismatch");
  auto r = wasmlet({"serve", "--port", "0", "--data-dir", data.string(), "--tls-cert",
                    certs->server_cert.string(), "--tls-key", certs->other_key.string()});
  EXPECT_NE(r.exit_code, 0) << show(r);
  EXPECT_NE(r.err.find("wasmlet: error: the TLS key " + certs->other_key.string() +
                       " does not match the certificate " + certs->server_cert.string()),
            std::string::npos)
      << show(r);
  EXPECT_EQ(r.out.find("listening on"), std::string::npos) << r.out;
  auto half = wasmlet({"serve", "--port", "0", "--data-dir", data.string(), "--tls-cert",
                       certs->server_cert.string()});
  EXPECT_NE(half.exit_code, 0) << show(half);
  EXPECT_NE(half.err.find("--tls-key"), std::string::npos) << show(half);
}

TEST(ClientCommands, GracefulShutdownAnswersCallsInFlight) {
  Server server("shutdown");
  ASSERT_EQ(wasmlet(at(server, {"upload", "alice/sleeper", test::guest_path("sleeper").string()}))
                .exit_code,
            0);
  // A synchronous call that sleeps 300 ms; SIGTERM arrives while it runs.
  auto call = std::async(std::launch::async, [&] {
    return wasmlet(at(server, {"invoke", "alice/sleeper"}));
  });
  util::HttpClient client("127.0.0.1", server.port());
  for (int i = 0; i < 1000; ++i) {
    auto r = client.request("GET", "/v1/calls/1");
    if (r.status == 200 && r.body.find("\"queued\"") == std::string::npos) break;
    std::this_thread::sleep_for(5ms);
  }
  client.close();
  EXPECT_EQ(server.stop(), 0) << server.log();
  auto r = call.get();
  EXPECT_EQ(r.exit_code, 0) << show(r);
  EXPECT_TRUE(std::regex_search(r.err, std::regex(R"(^call 1: return code 0\n$)"))) << r.err;
}

using test::RawListener;
using test::read_request;

TEST(HttpClient, ReconnectsWhenTheServerClosedAnIdleConnection) {
  RawListener listener;
  // Each connection answers one request as keep-alive, then closes: the way a server drops
  // an idle connection.
  std::jthread server([&] {
    for (int i = 0; i < 2; ++i) {
      auto conn = listener.accept_one();
      read_request(conn.get());
      std::string reply = "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nok" + std::to_string(i);
      ASSERT_EQ(write(conn.get(), reply.data(), reply.size()), static_cast<ssize_t>(reply.size()));
    }
  });
  util::HttpClient client("127.0.0.1", listener.port());
  EXPECT_EQ(client.request("GET", "/a").body, "ok0");
  std::this_thread::sleep_for(50ms);  // the server has closed the first connection by now
  auto r = client.request("GET", "/b");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "ok1");
}

TEST(HttpClient, SendsTheBearerTokenWithEveryRequest) {
  RawListener listener;
  std::vector<std::string> requests;
  std::jthread server([&] {
    auto conn = listener.accept_one();
    for (int i = 0; i < 2; ++i) {
      requests.push_back(read_request(conn.get()));
      std::string reply = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
      ASSERT_EQ(write(conn.get(), reply.data(), reply.size()), static_cast<ssize_t>(reply.size()));
    }
  });
  util::HttpClientOptions options;
  options.bearer_token = "wk_secret";
  util::HttpClient client("127.0.0.1", listener.port(), options);
  EXPECT_EQ(client.request("GET", "/a").status, 200);
  EXPECT_EQ(client.request("PUT", "/b", "body").status, 200);
  server.join();
  ASSERT_EQ(requests.size(), 2u);
  for (const auto& r : requests) {
    EXPECT_NE(r.find("\r\nAuthorization: Bearer wk_secret\r\n"), std::string::npos) << r;
  }
}

TEST(HttpClient, TimesOut) {
  RawListener listener;  // accepts (the kernel's backlog) but never answers
  util::HttpClientOptions options;
  options.request_timeout = 200ms;
  util::HttpClient client("127.0.0.1", listener.port(), options);
  auto t0 = std::chrono::steady_clock::now();
  try {
    client.request("GET", "/");
    FAIL() << "no timeout";
  } catch (const util::TransportError& e) {
    EXPECT_EQ(std::string(e.what()), "timed out after 0.2 s");
  }
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 5s);
}

TEST(HttpClient, ParsesServerAddresses) {
  using util::parse_server_address;
  using Address = util::ServerAddress;
  EXPECT_EQ(parse_server_address("localhost:8080"), (Address{"localhost", 8080, false}));
  EXPECT_EQ(parse_server_address("example.org"), (Address{"example.org", 8080, false}));
  EXPECT_EQ(parse_server_address("http://10.0.0.1:9000/"), (Address{"10.0.0.1", 9000, false}));
  EXPECT_EQ(parse_server_address("[::1]:81"), (Address{"::1", 81, false}));
  EXPECT_EQ(parse_server_address("https://localhost:8443"), (Address{"localhost", 8443, true}));
  EXPECT_EQ(parse_server_address("https://[::1]:81/"), (Address{"::1", 81, true}));
  EXPECT_THROW(parse_server_address("https://http://x:1"), Error);
  EXPECT_THROW(parse_server_address(":80"), Error);
  EXPECT_THROW(parse_server_address("host:0"), Error);
  EXPECT_THROW(parse_server_address("host:70000"), Error);
  EXPECT_THROW(parse_server_address("[::1"), Error);
}

}  // namespace
}  // namespace wasmlet
