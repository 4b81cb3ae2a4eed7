#include "redis_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string_view>
#include <system_error>
#include <thread>
#include <vector>

namespace wasmlet::test {

namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

fs::path find_redis_server() {
  std::vector<fs::path> dirs;
  if (const char* path = std::getenv("PATH")) {
    std::stringstream in(path);
    for (std::string dir; std::getline(in, dir, ':');) {
      if (!dir.empty()) dirs.emplace_back(dir);
    }
  }
  // Debian installs it in /usr/bin, but a minimal PATH in a test runner may miss sbin or local.
  for (const char* dir : {"/usr/bin", "/usr/sbin", "/usr/local/bin"}) dirs.emplace_back(dir);
  for (const fs::path& dir : dirs) {
    fs::path candidate = dir / "redis-server";
    if (access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  throw std::runtime_error(
      "redis-server not found (searched PATH, /usr/bin, /usr/sbin, /usr/local/bin): the Redis "
      "state tests need a real Redis server "
      "(install it with `apt-get install redis-server`; ./run does this)");
}

[[noreturn]] void throw_errno(const std::string& what) {
  throw std::system_error(errno, std::generic_category(), what);
}

// Closes a socket on every path out of the function that opened it.
struct Socket {
  int fd;
  explicit Socket(int f) : fd(f) {}
  ~Socket() {
    if (fd >= 0) close(fd);
  }
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;
};

sockaddr_in loopback(int port) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return addr;
}

// The kernel picks a port nobody holds; the server binds it a moment later (the race with
// another process taking it in between is acceptable for tests).
int free_port() {
  Socket s(socket(AF_INET, SOCK_STREAM, 0));
  if (s.fd < 0) throw_errno("socket");
  sockaddr_in addr = loopback(0);
  if (bind(s.fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) throw_errno("bind");
  socklen_t len = sizeof addr;
  if (getsockname(s.fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    throw_errno("getsockname");
  }
  return ntohs(addr.sin_port);
}

bool answers_ping(int port) {
  Socket s(socket(AF_INET, SOCK_STREAM, 0));
  if (s.fd < 0) return false;
  timeval tv{0, 500'000};
  setsockopt(s.fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  setsockopt(s.fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  sockaddr_in addr = loopback(port);
  if (connect(s.fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) return false;
  constexpr std::string_view ping = "PING\r\n";
  if (send(s.fd, ping.data(), ping.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(ping.size())) {
    return false;
  }
  char buf[64];
  ssize_t n = recv(s.fd, buf, sizeof buf, 0);
  return n > 0 && std::string_view(buf, static_cast<size_t>(n)).starts_with("+PONG");
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream out;
  out << in.rdbuf();
  return out.str();
}

}  // namespace

RedisServer::RedisServer() : executable_(find_redis_server()) {
  std::string pattern = (fs::temp_directory_path() / "wasmlet-redis-XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr) throw_errno("mkdtemp " + pattern);
  dir_ = pattern;
  port_ = free_port();
  try {
    start();
  } catch (...) {
    std::error_code ec;
    fs::remove_all(dir_, ec);
    throw;
  }
}

RedisServer::~RedisServer() {
  stop();
  std::error_code ec;
  fs::remove_all(dir_, ec);
}

std::string RedisServer::url() const { return "redis://127.0.0.1:" + std::to_string(port_); }

void RedisServer::start() {
  if (pid_ > 0) return;
  std::string port = std::to_string(port_);
  std::string dir = dir_.string();
  std::string log = (dir_ / "redis.log").string();
  std::vector<std::string> args = {
      executable_.string(), "--port", port,          "--bind", "127.0.0.1", "--save", "",
      "--appendonly",       "no",     "--daemonize", "no",     "--dir",     dir};
  std::vector<char*> argv;
  for (std::string& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);

  pid_t parent = getpid();
  pid_t pid = fork();
  if (pid < 0) throw_errno("fork");
  if (pid == 0) {
    // Only async-signal-safe calls from here to exec. If the test binary dies, so does Redis.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(127);
    int out = open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    int in = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (out < 0 || in < 0) _exit(127);
    dup2(in, STDIN_FILENO);
    dup2(out, STDOUT_FILENO);
    dup2(out, STDERR_FILENO);
    execv(argv[0], argv.data());
    _exit(127);
  }
  pid_ = pid;
  wait_ready();
}

void RedisServer::wait_ready() {
  auto deadline = std::chrono::steady_clock::now() + 10s;
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      throw std::runtime_error("redis-server on port " + std::to_string(port_) +
                               " exited at startup (status " + std::to_string(status) +
                               "); its log:\n" + read_file(dir_ / "redis.log"));
    }
    if (answers_ping(port_)) return;
    std::this_thread::sleep_for(10ms);
  }
  stop();
  throw std::runtime_error("redis-server on port " + std::to_string(port_) +
                           " did not answer PING within 10 s; its log:\n" +
                           read_file(dir_ / "redis.log"));
}

void RedisServer::stop() {
  if (pid_ <= 0) return;
  // SIGKILL is a crash as other hosts see it: the kernel closes every connection at once.
  kill(pid_, SIGKILL);
  int status = 0;
  while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  pid_ = -1;
}

void RedisServer::pause() {
  if (pid_ > 0) kill(pid_, SIGSTOP);
}

void RedisServer::resume() {
  if (pid_ > 0) kill(pid_, SIGCONT);
}

}  // namespace wasmlet::test
