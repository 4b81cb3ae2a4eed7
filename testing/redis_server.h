#pragma once
// A real redis-server for tests: a child process on a free loopback port with its own temporary
// directory and no persistence, killed when the object goes away. stop()/start() simulate Redis
// going away and coming back on the same address.
#include <sys/types.h>

#include <filesystem>
#include <string>

namespace wasmlet::test {

class RedisServer {
 public:
  // Starts the server and waits until it answers PING. Throws std::runtime_error with a message
  // saying what is missing or what the server logged when it cannot start.
  RedisServer();
  ~RedisServer();
  RedisServer(const RedisServer&) = delete;
  RedisServer& operator=(const RedisServer&) = delete;

  int port() const { return port_; }
  std::string url() const;  // "redis://127.0.0.1:PORT"

  // Shuts the server down (clients see their connections closed) and waits for it to exit.
  void stop();
  // Starts it again on the same port and waits until it answers PING.
  void start();
  // Freezes / thaws the process (SIGSTOP / SIGCONT): it keeps its connections but answers
  // nothing, like a hung host.
  void pause();
  void resume();

 private:
  void wait_ready();

  std::filesystem::path executable_;
  std::filesystem::path dir_;
  int port_ = 0;
  pid_t pid_ = -1;
};

}  // namespace wasmlet::test
