#pragma once
// HTTP connections to peers, kept open between forwarded calls (a bounded number per peer), so
// a forward costs one round trip on a warm connection rather than a TCP handshake.
#include <chrono>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "util/http_client.h"
#include "util/mutex.h"

namespace wasmlet::cluster {

class PeerConnections {
 public:
  // `timeout` bounds one forwarded request: the call's own time limit plus its trip.
  explicit PeerConnections(std::chrono::milliseconds timeout) : timeout_(timeout) {}

  // Sends one request to `address` (HOST:PORT). Throws util::ConnectError when nothing was
  // sent (the caller may run the call elsewhere), util::TransportError when the exchange broke.
  util::HttpResponse request(const std::string& address, std::string_view method,
                             std::string_view target, std::string_view body,
                             const util::HttpHeaders& headers);

 private:
  static constexpr size_t kIdlePerPeer = 16;

  std::chrono::milliseconds timeout_;
  util::Mutex mutex_;
  std::map<std::string, std::vector<util::HttpClient>> idle_ GUARDED_BY(mutex_);
};

}  // namespace wasmlet::cluster
