#pragma once
// How the HTTP server listens and what it accepts.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>

namespace wasmlet::server {

struct ServerConfig {
  std::string address = "127.0.0.1";  // an IP address or a host name
  uint16_t port = 8080;               // 0: any free port (HttpServer::port() tells which)
  size_t io_threads = 1;
  size_t blocking_threads = 2;          // state and file I/O
  size_t compile_threads = 2;           // uploads, which compile (a client's hang-up stops it)
  size_t max_body_bytes = 64ull << 20;  // larger request bodies get 413
  // What the bodies of all requests being read or served may take together (see BodyBudget):
  // a body that would pass it is refused with 503 and Retry-After. The first 64 KiB of a
  // body are not counted, so small requests are never refused.
  size_t max_body_memory = 1ull << 30;
  std::chrono::seconds io_timeout{60};  // to read one request (keep-alive idle included) or
                                        // write one response; then the connection is dropped
  // Open connections beyond this get a quick 503 (only /healthz is still answered on a few
  // more, see health_reserve); beyond both the connection is closed at once. Bounds the
  // descriptors and memory that clients can hold.
  size_t max_connections = 10000;
  size_t health_reserve = 32;
  // HTTPS instead of HTTP: the certificate chain (the server's first) and its private key, PEM
  // files. Both or neither; HttpServer refuses to start when they cannot be loaded.
  std::filesystem::path tls_cert_file, tls_key_file;
  // A TLS client must finish its handshake within this (and io_timeout), so that one that
  // connects and says nothing does not hold its connection for long.
  std::chrono::milliseconds tls_handshake_timeout{10'000};
  // The Faasm API puts what a call wrote to stdout before its output, as Faasm's
  // CAPTURE_STDOUT=on deployments do.
  bool capture_stdout = true;
  // I/O threads run short calls of warm functions themselves; when all of them have been in
  // such a call for this long, a standby thread serves connections (see InlineStandby).
  std::chrono::microseconds inline_standby_after{2000};
};

}  // namespace wasmlet::server
