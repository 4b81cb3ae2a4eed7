#pragma once
// Sends forwarded calls to peer hosts over HTTP without a thread per call: each exchange runs
// as asynchronous operations on the server's I/O threads, on connections kept open per peer (a
// bounded number), so a forward costs one round trip on a warm connection and no hand-off to
// another thread and back.
#include <boost/asio/io_context.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <stop_token>
#include <string>

namespace wasmlet::server {

class PeerRelay {
 public:
  using Request = boost::beast::http::request<boost::beast::http::string_body>;
  using Response = boost::beast::http::response<boost::beast::http::string_body>;

  enum class Outcome {
    kAnswered,     // `response` is the peer's
    kUnreachable,  // nothing was sent: the call may run elsewhere
    kBroken,       // sent, but no whole response came back (reset, timeout, malformed)
  };
  struct Result {
    Outcome outcome = Outcome::kAnswered;
    Response response;
    std::string error;  // what went wrong, in the system's words
  };
  using Done = std::function<void(Result)>;

  struct Options {
    std::chrono::milliseconds connect_timeout{1000};
    // One whole exchange on a connection: a forwarded call's time limit and then some.
    std::chrono::milliseconds exchange_timeout{60'000};
    // Open connections kept per peer between exchanges.
    size_t idle_per_peer = 16;
  };

  PeerRelay(boost::asio::io_context& ioc, Options options);
  ~PeerRelay();
  PeerRelay(const PeerRelay&) = delete;
  PeerRelay& operator=(const PeerRelay&) = delete;

  // Sends `request` to `address` (HOST:PORT) and calls `done` once, on an I/O thread, with the
  // outcome. Sets Host and Content-Length. A kept connection the peer has closed meanwhile is
  // replaced and the request sent again on a new one (nothing of it was read there). When
  // `abandoned` is requested (the client hung up) before the reply is in, the connection is
  // closed, which tells the peer to stop the call, and the outcome is kBroken.
  void send(const std::string& address, Request request, Done done, std::stop_token abandoned = {});

 private:
  class Exchange;
  struct Pool;
  boost::asio::io_context& ioc_;
  Options options_;
  // Shared with exchanges in flight, which may end after this relay during a server's stop.
  std::shared_ptr<Pool> pool_;
};

}  // namespace wasmlet::server
