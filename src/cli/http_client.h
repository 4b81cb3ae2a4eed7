#pragma once
// A small synchronous HTTP/1.1 client over one keep-alive connection, with timeouts. Used by
// the `wasmlet` client commands, and reusable by tests and benchmarks. Boost.Beast stays in the
// .cpp so that includers need neither its headers nor its compile time.
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "util/error.h"

namespace wasmlet::cli {

using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

struct HttpResponse {
  int status = 0;
  std::string reason;
  HttpHeaders headers;
  std::string body;

  // The first header of that name (case-insensitive), or "" when absent.
  std::string header(std::string_view name) const;
};

// The server could not be reached, or the exchange failed (timeout, connection reset,
// malformed response). The message is the system's, e.g. "Connection refused".
class TransportError : public Error {
 public:
  using Error::Error;
};

// No connection could be made at all (nothing was sent).
class ConnectError : public TransportError {
 public:
  using TransportError::TransportError;
};

struct HttpClientOptions {
  std::chrono::milliseconds connect_timeout{10'000};
  // For one whole request (write + read). Synchronous invocations wait for the function, so
  // this is generous by default.
  std::chrono::milliseconds request_timeout{600'000};
};

class HttpClient {
 public:
  HttpClient(std::string host, uint16_t port, HttpClientOptions options = {});
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;
  HttpClient(HttpClient&&) noexcept;
  HttpClient& operator=(HttpClient&&) noexcept;
  ~HttpClient();

  // Sends one request and reads the whole response; connects (again) when needed. Sets Host,
  // Content-Length and keep-alive itself. Throws TransportError when there is no HTTP response; an
  // HTTP error status is a normal response.
  HttpResponse request(std::string_view method, std::string_view target, std::string_view body = {},
                       const HttpHeaders& headers = {});

  // Drops the connection (the next request reconnects).
  void close();

  const std::string& host() const { return host_; }
  uint16_t port() const { return port_; }

 private:
  struct Impl;
  std::string host_;
  uint16_t port_;
  std::unique_ptr<Impl> impl_;
};

// "HOST:PORT", "HOST" (port 8080), "[::1]:PORT", optionally with an "http://" prefix and a
// trailing "/". Throws Error on anything else.
std::pair<std::string, uint16_t> parse_server_address(std::string_view address);

}  // namespace wasmlet::cli
