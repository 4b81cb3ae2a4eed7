#include "server/tls_context.h"

#include <fmt/format.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>

#include "util/error.h"

namespace wasmlet::server {

namespace {

namespace fs = std::filesystem;
namespace ssl = boost::asio::ssl;

// OpenSSL's reason for the last failure, e.g. "no start line".
std::string openssl_reason() {
  unsigned long code = ERR_peek_last_error();
  ERR_clear_error();
  if (code == 0) return "unknown reason";
  const char* reason = ERR_reason_error_string(code);
  return reason != nullptr ? reason : fmt::format("OpenSSL error {:#x}", code);
}

std::string read_file(const fs::path& file, const char* what) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    throw Error(
        fmt::format("cannot read the TLS {} {}: {}", what, file.string(), std::strerror(errno)));
  }
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
struct PkeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};

// A key with a passphrase would make OpenSSL ask on the terminal: refuse it instead.
int no_passphrase(char* /*buf*/, int /*size*/, int /*rwflag*/, void* /*userdata*/) { return -1; }

}  // namespace

std::unique_ptr<ssl::context> load_tls_context(const fs::path& cert_file,
                                               const fs::path& key_file) {
  std::string cert = read_file(cert_file, "certificate");
  std::string key = read_file(key_file, "key");
  auto ctx = std::make_unique<ssl::context>(ssl::context::tls_server);
  SSL_CTX* native = ctx->native_handle();
  // TLS 1.2 and 1.3 with OpenSSL's default ciphers; no renegotiation (a client could ask for
  // costly handshakes on an open connection).
  SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION);
  SSL_CTX_set_options(native, SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);

  boost::system::error_code ec;
  ctx->use_certificate_chain(boost::asio::buffer(cert), ec);
  if (ec) {
    ERR_clear_error();
    throw Error(fmt::format("the TLS certificate {} is not a PEM certificate chain: {}",
                            cert_file.string(), ec.message()));
  }
  std::unique_ptr<BIO, BioFree> bio(BIO_new_mem_buf(key.data(), static_cast<int>(key.size())));
  std::unique_ptr<EVP_PKEY, PkeyFree> pkey(
      bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, no_passphrase, nullptr) : nullptr);
  if (!pkey) {
    throw Error(fmt::format("the TLS key {} is not an unencrypted PEM private key: {}",
                            key_file.string(), openssl_reason()));
  }
  if (SSL_CTX_use_PrivateKey(native, pkey.get()) != 1 || SSL_CTX_check_private_key(native) != 1) {
    ERR_clear_error();
    throw Error(fmt::format("the TLS key {} does not match the certificate {}", key_file.string(),
                            cert_file.string()));
  }
  return ctx;
}

}  // namespace wasmlet::server
