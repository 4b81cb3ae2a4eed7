#pragma once
// The server's TLS context: its certificate chain and private key, TLS 1.2 and later.
#include <boost/asio/ssl/context.hpp>
#include <filesystem>
#include <memory>

namespace wasmlet::server {

// Loads a PEM certificate chain (the server's certificate first) and its PEM private key.
// Throws Error naming the file and what is wrong with it: unreadable, not PEM, an encrypted key,
// or a key that is not the certificate's.
std::unique_ptr<boost::asio::ssl::context> load_tls_context(const std::filesystem::path& cert_file,
                                                            const std::filesystem::path& key_file);

}  // namespace wasmlet::server
