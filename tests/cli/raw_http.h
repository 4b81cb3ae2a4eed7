#pragma once
// A bare listening socket and a request reader, for client tests that play the server.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <string>

#include "util/error.h"
#include "util/files.h"

namespace wasmlet::test {

// A listening socket on 127.0.0.1 and a free port; closed on destruction.
class RawListener {
 public:
  RawListener() : fd_(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    if (bind(fd_.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
        listen(fd_.get(), 8) != 0 ||
        getsockname(fd_.get(), reinterpret_cast<sockaddr*>(&a), &len) != 0) {
      throw Error("cannot listen");
    }
    port_ = ntohs(a.sin_port);
  }
  uint16_t port() const { return port_; }
  util::UniqueFd accept_one() const { return util::UniqueFd(accept(fd_.get(), nullptr, nullptr)); }
  // A connection, or an empty descriptor when none came in time (so a test cannot hang).
  util::UniqueFd accept_within(std::chrono::milliseconds limit) const {
    pollfd p{fd_.get(), POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(limit.count())) != 1) return {};
    return accept_one();
  }

 private:
  util::UniqueFd fd_;
  uint16_t port_ = 0;
};

// Reads one request head and returns it (the tests that use it send no bodies).
inline std::string read_request(int fd) {
  std::string data;
  char buf[1024];
  while (data.find("\r\n\r\n") == std::string::npos) {
    ssize_t n = read(fd, buf, sizeof buf);
    if (n <= 0) break;
    data.append(buf, static_cast<size_t>(n));
  }
  return data;
}

}  // namespace wasmlet::test
