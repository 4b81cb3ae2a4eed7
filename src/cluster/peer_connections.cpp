#include "cluster/peer_connections.h"

#include <charconv>
#include <optional>

namespace wasmlet::cluster {
namespace {

util::HttpClient connect(const std::string& address, std::chrono::milliseconds timeout) {
  size_t colon = address.rfind(':');
  uint16_t port = 0;
  if (colon == std::string::npos ||
      std::from_chars(address.data() + colon + 1, address.data() + address.size(), port).ec !=
          std::errc() ||
      port == 0) {
    throw util::ConnectError("a peer's address is not HOST:PORT: " + address);
  }
  std::string host = address.substr(0, colon);
  if (host.size() > 1 && host.front() == '[') host = host.substr(1, host.size() - 2);
  util::HttpClientOptions options;
  options.connect_timeout = std::chrono::milliseconds(1000);
  options.request_timeout = timeout;
  return util::HttpClient(host, port, options);
}

}  // namespace

util::HttpResponse PeerConnections::request(const std::string& address, std::string_view method,
                                            std::string_view target, std::string_view body,
                                            const util::HttpHeaders& headers) {
  std::optional<util::HttpClient> client;
  {
    util::MutexLock lock(mutex_);
    auto& idle = idle_[address];
    if (!idle.empty()) {
      client.emplace(std::move(idle.back()));
      idle.pop_back();
    }
  }
  if (!client) client.emplace(connect(address, timeout_));
  util::HttpResponse response = client->request(method, target, body, headers);
  util::MutexLock lock(mutex_);
  auto& idle = idle_[address];
  if (idle.size() < kIdlePerPeer) idle.push_back(std::move(*client));
  return response;
}

}  // namespace wasmlet::cluster
