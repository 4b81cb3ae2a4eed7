#pragma once
// Certificates for the TLS tests, made at test time by the `openssl` command in a directory of
// their own: a private CA, a server certificate it signed for localhost and 127.0.0.1, one it
// signed for another host name, and a second CA that signed nothing here.
#include <filesystem>
#include <optional>
#include <string>

namespace wasmlet::test {

struct TestCerts {
  std::filesystem::path dir;
  std::filesystem::path ca;                       // the private CA's certificate
  std::filesystem::path server_cert, server_key;  // SAN DNS:localhost, IP:127.0.0.1
  std::filesystem::path other_cert, other_key;    // SAN DNS:other.example only
  std::filesystem::path unrelated_ca;             // a CA that signed none of these
};

// Makes them in `dir`; nullopt when no `openssl` command is installed. Throws Error when openssl
// fails.
std::optional<TestCerts> make_test_certs(const std::filesystem::path& dir);

// The skip message for tests that need them.
inline constexpr const char* kNoOpenssl = "the openssl command is not installed: no certificates";

}  // namespace wasmlet::test
