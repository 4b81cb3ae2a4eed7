#pragma once
// One HTTP/1.1 connection: reads requests (keep-alive, 100-continue, a body size limit), hands
// each to the router, writes the reply whenever it comes (from any thread, posted back to the
// connection's strand), and logs one line per request. The same code serves plain TCP and TLS:
// Session is a template over the stream, instantiated for both in session.cpp.
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <stop_token>
#include <string>
#include <type_traits>

#include "server/http_types.h"
#include "server/server_core.h"

namespace wasmlet::server {

using PlainStream = boost::beast::tcp_stream;
using TlsStream = boost::beast::ssl_stream<boost::beast::tcp_stream>;

// What a connection's read buffer may hold: a request head (Beast's header limit is 8 KiB), a
// chunk header or trailer, the start of a pipelined request. Past it the request is a 400.
inline constexpr size_t kMaxBufferedBytes = size_t{64} << 10;

template <class Stream>
class Session : public Connection, public std::enable_shared_from_this<Session<Stream>> {
 public:
  static constexpr bool kTls = std::is_same_v<Stream, TlsStream>;

  // `tls` is the server's TLS context for a TlsStream session, unused for a plain one.
  Session(boost::asio::ip::tcp::socket socket, std::shared_ptr<ServerCore> core,
          boost::asio::ssl::context* tls = nullptr);
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  void start();
  void close_when_idle() override;
  // Before start(), for a connection over the server's limit: it answers one /healthz request
  // and refuses anything else with a 503 without reading its body.
  void limit_to_health_checks() {
    health_only_ = true;
    close_after_reply_ = true;
  }

 private:
  enum class Phase { Handshake, Reading, Handling, Writing, Lingering, Closed };
  using Clock = std::chrono::steady_clock;

  void on_handshake(boost::beast::error_code ec);
  void read_header();
  void on_header(boost::beast::error_code ec);
  void read_body();
  void read_more_body();
  void on_body(boost::beast::error_code ec);
  // A read failed: answer protocol errors, drop the connection quietly otherwise.
  void on_read_error(boost::beast::error_code ec);
  // Answers the request whose header was read without reading its body, then closes.
  void refuse(http::status status, std::string_view code, std::string_view message);
  void refuse(Reply reply);
  void handle();
  // While a request is being handled: a client that closes its end abandons it.
  void watch_for_hang_up();
  void on_tls_watch(boost::beast::error_code ec, size_t bytes);
  Respond make_respond();
  bool on_strand();  // the calling thread runs this connection's handlers now
  void send(Reply reply);
  void on_write(boost::beast::error_code ec, size_t body_bytes);
  void log_request(unsigned status, size_t body_bytes, const boost::beast::error_code& ec) const;
  // The connection is dropped if the current read or write is not over within `timeout`.
  void set_deadline(Clock::duration timeout);
  void arm_watchdog();
  void on_watchdog(boost::beast::error_code ec);
  void close();
  // After a reply that refused a body still coming (401, 413, 503 ...): the client may still
  // be sending it, and closing a socket with unread bytes resets the connection, which can
  // reach the client before the reply (it then sees a reset, not the refusal). So: send a FIN,
  // then read and discard until the client closes its end or kLingerTime has passed. The
  // connection keeps its place under the cap meanwhile; the server's stop closes it at once.
  void linger();
  void drain();
  static constexpr std::chrono::seconds kLingerTime{3};
  boost::asio::ip::tcp::socket& socket() {
    return boost::beast::get_lowest_layer(stream_).socket();
  }

  SessionTicket ticket_;  // first member: released last
  Stream stream_;
  std::string remote_address_;  // the peer's IP, for handlers that pass it on (web apps)
  // The I/O timeouts: one timer per connection that a deadline moves on, not the stream's
  // timer, which is armed and cancelled around every read and write (two of each per request).
  // It fires at most once per timeout while the connection is busy.
  boost::asio::steady_timer watchdog_;
  Clock::time_point deadline_ = Clock::time_point::max();  // max: none (a request is handled)
  bool watchdog_armed_ = false;
  // Bounded: Beast keeps a chunk's header line and the trailer whole in it, which the body and
  // header limits do not count (a chunk extension of 400 MiB was read into memory).
  boost::beast::flat_buffer buffer_{kMaxBufferedBytes};
  std::optional<http::request_parser<http::string_body>> parser_;
  // The request's body beyond what came with its head, held until the next request is read.
  BodyBudget::Lease body_lease_;
  http::response<http::empty_body> continue_;
  std::optional<Response> response_;
  Phase phase_ = kTls ? Phase::Handshake : Phase::Reading;
  bool close_after_reply_ = false;
  bool unread_body_ = false;  // a refusal left the request's body unread: linger() after it
  bool health_only_ = false;

  // The request being served, for its reply and the log line.
  unsigned version_ = 11;
  bool keep_alive_ = true;
  bool head_ = false;  // HEAD: the GET reply's headers without its body
  std::string method_, target_;
  Clock::time_point started_;
  std::optional<uint64_t> call_id_;
  std::stop_source abandoned_;  // of the request being handled
  bool watching_ = false;  // a wait (plain) or a read (TLS) for the client's hang-up is pending
  // TLS: the next request is read once the hang-up watch's read is over, as two reads of one
  // TLS stream must not overlap.
  bool read_after_watch_ = false;
};

extern template class Session<PlainStream>;
extern template class Session<TlsStream>;

}  // namespace wasmlet::server
