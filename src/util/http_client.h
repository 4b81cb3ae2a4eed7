#pragma once
// A small synchronous HTTP/1.1 client (HTTPS too) over one keep-alive connection, with timeouts.
// Used by the `wasmlet` client commands, and reusable by tests and benchmarks. Boost.Beast stays in
// the .cpp so that includers need neither its headers nor its compile time.
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "util/error.h"

namespace wasmlet::util {

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

// TLS could not be set up: the server's certificate was refused (the message says why, e.g.
// "TLS: certificate verify failed (unable to get local issuer certificate)"), the handshake
// failed, or the CA file could not be loaded. Trying again does not help.
class TlsError : public Error {
 public:
  using Error::Error;
};

struct HttpClientOptions {
  std::chrono::milliseconds connect_timeout{10'000};
  // For one whole request (write + read). Synchronous invocations wait for the function, so
  // this is generous by default.
  std::chrono::milliseconds request_timeout{600'000};
  // HTTPS: the server's certificate chain and host name (or IP address) are verified against
  // ca_file (PEM), or the system's default CAs when empty. There is no way to skip this.
  bool tls = false;
  std::string ca_file;
  // When set, every request carries `Authorization: Bearer <token>`.
  std::string bearer_token;
};

class HttpClient {
 public:
  // Throws TlsError when options.ca_file cannot be loaded.
  HttpClient(std::string host, uint16_t port, HttpClientOptions options = {});
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;
  HttpClient(HttpClient&&) noexcept;
  HttpClient& operator=(HttpClient&&) noexcept;
  ~HttpClient();

  // Sends one request and reads the whole response; connects (again) when needed. Sets Host,
  // Content-Length and keep-alive itself. Throws TransportError when there is no HTTP response,
  // TlsError when TLS cannot be set up; an HTTP error status is a normal response.
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

struct ServerAddress {
  std::string host;
  uint16_t port = 8080;
  bool tls = false;  // https://
  bool operator==(const ServerAddress&) const = default;
};

// "HOST:PORT", "HOST" (port 8080), "[::1]:PORT", optionally with an "http://" or "https://"
// (tls) prefix and a trailing "/". Throws Error on anything else.
ServerAddress parse_server_address(std::string_view address);

}  // namespace wasmlet::util
