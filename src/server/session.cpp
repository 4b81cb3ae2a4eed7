#include "server/session.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <cerrno>
#include <nlohmann/json.hpp>

#include "server/replies.h"

namespace wasmlet::server {

namespace asio = boost::asio;
namespace beast = boost::beast;

namespace {

// What one read of the TLS hang-up watch takes in: the start of a pipelined request at most.
constexpr size_t kTlsWatchBytes = 4096;

template <class Stream>
Stream make_stream(asio::ip::tcp::socket socket, asio::ssl::context* tls) {
  if constexpr (std::is_same_v<Stream, TlsStream>) {
    return Stream(std::move(socket), *tls);
  } else {
    return Stream(std::move(socket));
  }
}

}  // namespace

template <class Stream>
Session<Stream>::Session(asio::ip::tcp::socket socket, std::shared_ptr<ServerCore> core,
                         asio::ssl::context* tls)
    : ticket_(std::move(core)),
      stream_(make_stream<Stream>(std::move(socket), tls)),
      watchdog_(stream_.get_executor()),
      body_lease_(ticket_.core().body_budget()) {
  boost::system::error_code ec;
  auto peer = this->socket().remote_endpoint(ec);
  if (!ec) remote_address_ = peer.address().to_string();
}

template <class Stream>
void Session<Stream>::start() {
  // Before the first read: a stop that began meanwhile must see this session or be seen by it.
  if (!ticket_.core().attach_session(ticket_.id(), this->weak_from_this())) {
    close();
    return;
  }
  if constexpr (kTls) {
    asio::dispatch(stream_.get_executor(), [self = this->shared_from_this()] {
      // A client that connects and says nothing holds its place only this long.
      const ServerConfig& config = self->ticket_.core().config();
      self->set_deadline(
          std::min<Clock::duration>(config.tls_handshake_timeout, config.io_timeout));
      self->stream_.async_handshake(asio::ssl::stream_base::server,
                                    [self](beast::error_code ec) { self->on_handshake(ec); });
    });
  } else {
    asio::dispatch(stream_.get_executor(),
                   beast::bind_front_handler(&Session::read_header, this->shared_from_this()));
  }
}

template <class Stream>
void Session<Stream>::on_handshake(beast::error_code ec) {
  if (phase_ == Phase::Closed) return;
  if (ec) {
    // Not TLS (a plain HTTP client), a certificate the client refused, or a timeout.
    spdlog::debug("TLS handshake with {} failed: {}", remote_address_, ec.message());
    return close();
  }
  read_header();
}

template <class Stream>
void Session<Stream>::close_when_idle() {
  asio::post(stream_.get_executor(), [self = this->shared_from_this()] {
    if (self->phase_ == Phase::Reading || self->phase_ == Phase::Handshake ||
        self->phase_ == Phase::Lingering) {
      self->close();
    } else {
      self->close_after_reply_ = true;
    }
  });
}

template <class Stream>
void Session<Stream>::read_header() {
  phase_ = Phase::Reading;
  parser_.emplace();
  parser_->body_limit(ticket_.core().config().max_body_bytes);
  body_lease_.reset();
  call_id_.reset();
  started_ = {};
  method_.clear();
  target_.clear();
  head_ = false;
  // A connection in the health-check reserve must not hold its place for long.
  set_deadline(health_only_ ? std::min(ticket_.core().config().io_timeout, std::chrono::seconds(5))
                            : ticket_.core().config().io_timeout);
  http::async_read_header(
      stream_, buffer_, *parser_,
      [self = this->shared_from_this()](beast::error_code ec, size_t) { self->on_header(ec); });
}

template <class Stream>
void Session<Stream>::on_header(beast::error_code ec) {
  if (ec) return on_read_error(ec);
  started_ = Clock::now();
  const auto& req = parser_->get();
  method_ = std::string(req.method_string());
  target_ = std::string(req.target());
  // Only chunked is decoded; a body in any other coding would be read wrongly (and an unknown
  // coding makes the body's end undecidable, RFC 9112 6.3), so refuse it before reading it.
  if (req.count(http::field::transfer_encoding) > 1 ||
      (req.count(http::field::transfer_encoding) == 1 &&
       !beast::iequals(req[http::field::transfer_encoding], "chunked"))) {
    return refuse(http::status::not_implemented, "unsupported_transfer_encoding",
                  "only Transfer-Encoding: chunked is supported");
  }
  if (health_only_) {
    std::string_view path = target_;
    path = path.substr(0, path.find('?'));
    if (path != "/healthz") {
      return refuse(http::status::service_unavailable, "too_many_connections",
                    "the server has too many open connections; retry later");
    }
  }
  // A body beyond what came with the head is read only from a client the gate lets send it:
  // the key is checked now, not after 64 MiB.
  const auto length = parser_->content_length();
  if (parser_->chunked() || (length && *length > buffer_.size())) {
    if (auto refusal = ticket_.core().router().refusal_before_body(req, remote_address_)) {
      return refuse(std::move(*refusal));
    }
  }
  // curl and others wait for this before sending a large body.
  if (!parser_->is_done() && beast::iequals(req[http::field::expect], "100-continue")) {
    continue_ = {http::status::continue_, req.version()};
    http::async_write(stream_, continue_,
                      [self = this->shared_from_this()](beast::error_code wec, size_t) {
                        if (wec) return self->close();
                        self->read_body();
                      });
    return;
  }
  read_body();
}

template <class Stream>
void Session<Stream>::read_body() {
  // A small request's body usually arrives with its header: parse what is buffered before
  // reading from the socket, which saves an asynchronous operation per request.
  if (!parser_->is_done() && buffer_.size() > 0) {
    beast::error_code ec;
    parser_->eager(true);  // the whole body, not one chunk at a time
    buffer_.consume(parser_->put(buffer_.data(), ec));
    if (ec && ec != http::error::need_more) return on_read_error(ec);
  }
  if (parser_->is_done()) return handle();
  parser_->eager(true);
  read_more_body();
}

// The rest of the body a read at a time, each counted against the server's body budget as it
// arrives (the string reserved for a declared Content-Length is address space until written).
template <class Stream>
void Session<Stream>::read_more_body() {
  http::async_read_some(
      stream_, buffer_, *parser_,
      [self = this->shared_from_this()](beast::error_code ec, size_t) { self->on_body(ec); });
}

template <class Stream>
void Session<Stream>::on_body(beast::error_code ec) {
  if (ec) return on_read_error(ec);
  // The first kMaxBufferedBytes are not counted, however TCP split them from the head: a small
  // body is never refused for the budget.
  const size_t body_bytes = parser_->get().body().size();
  if (body_bytes > kMaxBufferedBytes && !body_lease_.grow_to(body_bytes)) {
    const size_t budget = ticket_.core().body_budget().max_bytes();
    return refuse(http::status::service_unavailable, "server_busy",
                  fmt::format("the bodies of requests being served take the server's {} bytes "
                              "for request bodies; retry later",
                              budget));
  }
  if (parser_->is_done()) return handle();
  read_more_body();
}

template <class Stream>
void Session<Stream>::on_read_error(beast::error_code ec) {
  if (phase_ == Phase::Closed) return;
  const bool protocol_error =
      ec.category() == http::make_error_code(http::error::end_of_stream).category() &&
      ec != http::error::end_of_stream && ec != http::error::partial_message;
  if (!protocol_error) {
    // The peer went away, idled out, or we closed the connection: nothing to answer.
    if (ec != http::error::end_of_stream && ec != asio::error::operation_aborted) {
      spdlog::debug("connection dropped: {}", ec.message());
    }
    return close();
  }
  if (started_ == Clock::time_point{}) started_ = Clock::now();
  if (method_.empty() && parser_->is_header_done()) {
    method_ = std::string(parser_->get().method_string());
    target_ = std::string(parser_->get().target());
  }
  // What is left of a body the parser gave up on may still be coming (see linger).
  unread_body_ =
      ec == http::error::body_limit || (parser_->is_header_done() && !parser_->is_done());
  Reply reply;
  if (ec == http::error::body_limit) {
    reply.response.result(http::status::payload_too_large);
    reply.response.body() = nlohmann::json{
        {"error", "body_too_large"},
        {"message",
         "the request body exceeds the limit of " +
             std::to_string(ticket_.core().config().max_body_bytes) +
             " bytes"}}.dump();
  } else if (ec == http::error::header_limit) {
    reply.response.result(http::status::request_header_fields_too_large);
    reply.response.body() =
        nlohmann::json{{"error", "headers_too_large"}, {"message", ec.message()}}.dump();
  } else {
    reply.response.result(http::status::bad_request);
    reply.response.body() =
        nlohmann::json{{"error", "bad_request"}, {"message", ec.message()}}.dump();
  }
  reply.response.set(http::field::content_type, "application/json");
  // The rest of the stream cannot be trusted to be where the next request starts.
  close_after_reply_ = true;
  phase_ = Phase::Handling;
  send(std::move(reply));
}

template <class Stream>
void Session<Stream>::refuse(http::status status, std::string_view code, std::string_view message) {
  Reply reply = error_reply(ErrorStyle::Json, status, code, message);
  if (status == http::status::service_unavailable)
    reply.response.set(http::field::retry_after, "1");
  refuse(std::move(reply));
}

template <class Stream>
void Session<Stream>::refuse(Reply reply) {
  const auto& req = parser_->get();
  version_ = req.version();
  keep_alive_ = false;
  head_ = req.method() == http::verb::head;
  // The unread body would be taken for the next request: close after this reply.
  close_after_reply_ = true;
  unread_body_ = !parser_->is_done();
  phase_ = Phase::Handling;
  send(std::move(reply));
}

template <class Stream>
void Session<Stream>::handle() {
  phase_ = Phase::Handling;
  deadline_ = Clock::time_point::max();  // a synchronous call may run for its function's timeout
  Request request = parser_->release();
  version_ = request.version();
  keep_alive_ = request.keep_alive();
  head_ = request.method() == http::verb::head;
  abandoned_ = std::stop_source();
  ticket_.core().router().dispatch(std::move(request), make_respond(), abandoned_.get_token(),
                                   remote_address_);
  if (phase_ == Phase::Handling) watch_for_hang_up();  // not answered at once
}

template <class Stream>
void Session<Stream>::watch_for_hang_up() {
  watching_ = true;
  if constexpr (kTls) {
    // Encrypted bytes say nothing from outside (a TLS 1.3 close_notify looks like data): read
    // through TLS instead. What arrives is the client's next request, kept in buffer_ where the
    // next read looks first; an error (close_notify, or a FIN without it) is the hang-up.
    size_t room = buffer_.max_size() - buffer_.size();
    if (room == 0) {  // the client's next requests fill the buffer: nothing to watch with
      watching_ = false;
      return;
    }
    stream_.async_read_some(buffer_.prepare(std::min(kTlsWatchBytes, room)),
                            [self = this->shared_from_this()](beast::error_code ec, size_t n) {
                              self->on_tls_watch(ec, n);
                            });
    return;
  }
  socket().async_wait(
      asio::ip::tcp::socket::wait_read, [self = this->shared_from_this()](beast::error_code ec) {
        if (ec == asio::error::operation_aborted) return;  // send() took it back
        self->watching_ = false;
        if (ec || self->phase_ != Phase::Handling) return;
        // Readable while we owe a reply: either the client's end is closed (nothing to peek)
        // or it sent its next request early, which stays buffered for the next read.
        char byte = 0;
        ssize_t n = ::recv(self->socket().native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
        if (n > 0) return;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
          return self->watch_for_hang_up();
        }
        self->abandoned_.request_stop();
      });
}

template <class Stream>
void Session<Stream>::on_tls_watch(beast::error_code ec, size_t bytes) {
  watching_ = false;
  if (phase_ == Phase::Closed) return;
  if (!ec) buffer_.commit(bytes);
  if (phase_ == Phase::Handling) {
    if (ec) abandoned_.request_stop();
    return;
  }
  if (read_after_watch_) {  // the reply is written and was waiting for this read to end
    read_after_watch_ = false;
    if (ec) return close();
    return read_header();
  }
  // Writing: on_write goes on, and a failed read shows again in the next one.
}

template <class Stream>
Respond Session<Stream>::make_respond() {
  auto answered = std::make_shared<std::atomic<bool>>(false);
  return [self = this->shared_from_this(), answered](Reply reply) {
    if (answered->exchange(true)) return;
    // On this connection's strand already (the call ran inline): sent now, without the
    // type-erased dispatch below, which would also run it at once.
    if (self->on_strand()) return self->send(std::move(reply));
    // Otherwise queued to it. The session stays alive through `self` even if its client has
    // gone.
    asio::dispatch(self->stream_.get_executor(),
                   [self, reply = std::move(reply)]() mutable { self->send(std::move(reply)); });
  };
}

template <class Stream>
bool Session<Stream>::on_strand() {
  using Strand = asio::strand<asio::io_context::executor_type>;  // the listener's make_strand
  auto executor = stream_.get_executor();
  const auto* strand = executor.template target<Strand>();
  return strand != nullptr && strand->running_in_this_thread();
}

template <class Stream>
void Session<Stream>::send(Reply reply) {
  if (phase_ != Phase::Handling) return;  // closed meanwhile
  // The plain watch is a wait, cancelled here; the TLS watch is a read, which the write may
  // overlap and which is never cancelled (a cancel amid a TLS record would lose it).
  if (!kTls && watching_) {
    beast::error_code ec;
    socket().cancel(ec);  // the hang-up watch; nothing else is pending now
    watching_ = false;
  }
  call_id_ = reply.call_id;
  response_.emplace(std::move(reply.response));
  response_->version(version_);
  response_->set(http::field::server, "wasmlet");
  response_->keep_alive(keep_alive_ && !close_after_reply_ && !ticket_.core().stopping());
  response_->prepare_payload();
  // The headers a GET would get, Content-Length included (prepare_payload set it), and no
  // body (RFC 9110 9.3.2).
  if (head_) response_->body().clear();
  phase_ = Phase::Writing;
  set_deadline(ticket_.core().config().io_timeout);
  size_t body_bytes = response_->body().size();
  http::async_write(stream_, *response_,
                    [self = this->shared_from_this(), body_bytes](beast::error_code ec, size_t) {
                      self->on_write(ec, body_bytes);
                    });
}

template <class Stream>
void Session<Stream>::on_write(beast::error_code ec, size_t body_bytes) {
  log_request(response_->result_int(), body_bytes, ec);
  bool keep_alive = response_->keep_alive();
  response_.reset();
  body_lease_.reset();  // the request is served (a TLS session may idle before its next read)
  // Not for a connection over the cap (its place is the health checks') nor when stopping.
  if (!ec && unread_body_ && !health_only_ && !ticket_.core().stopping() &&
      phase_ != Phase::Closed) {
    return linger();
  }
  if (ec || !keep_alive || close_after_reply_ || phase_ == Phase::Closed) return close();
  if (kTls && watching_) {
    // Waits for the watch's read (see on_tls_watch), as idle as in read_header.
    phase_ = Phase::Reading;
    read_after_watch_ = true;
    set_deadline(ticket_.core().config().io_timeout);
    return;
  }
  read_header();
}

template <class Stream>
void Session<Stream>::log_request(unsigned status, size_t body_bytes,
                                  const beast::error_code& ec) const {
  auto us = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - started_).count();
  std::string call = call_id_ ? std::to_string(*call_id_) : "-";
  if (ec) {
    spdlog::info("http method={} target={} status={} bytes={} us={} call_id={} error=\"{}\"",
                 method_, target_, status, body_bytes, us, call, ec.message());
  } else {
    spdlog::info("http method={} target={} status={} bytes={} us={} call_id={}", method_, target_,
                 status, body_bytes, us, call);
  }
}

template <class Stream>
void Session<Stream>::set_deadline(Clock::duration timeout) {
  deadline_ = Clock::now() + timeout;
  // A watchdog due sooner looks again when it fires.
  if (!watchdog_armed_ || watchdog_.expiry() > deadline_) arm_watchdog();
}

template <class Stream>
void Session<Stream>::arm_watchdog() {
  watchdog_armed_ = true;
  watchdog_.expires_at(deadline_);  // a wait still pending ends with operation_aborted
  watchdog_.async_wait(
      [self = this->shared_from_this()](beast::error_code ec) { self->on_watchdog(ec); });
}

template <class Stream>
void Session<Stream>::on_watchdog(beast::error_code ec) {
  if (ec || phase_ == Phase::Closed) return;  // re-armed (another wait is pending) or closed
  watchdog_armed_ = false;
  if (deadline_ == Clock::time_point::max()) return;  // handling: send() sets the next one
  if (Clock::now() < deadline_) return arm_watchdog();
  // The read or write in progress is over its time: the peer idled out or stalled.
  close();
}

template <class Stream>
void Session<Stream>::close() {
  if (phase_ == Phase::Closed) return;
  phase_ = Phase::Closed;
  watchdog_.cancel();  // its wait holds the session
  beast::error_code ec;
  // Send what was written, then a FIN, so the client reads the last reply before the close. A
  // TLS connection ends the same way, without a close_notify: every reply has its length, so
  // the client knows it has it all, and closing cannot wait on a client that does not answer.
  socket().shutdown(asio::ip::tcp::socket::shutdown_send, ec);
  beast::get_lowest_layer(stream_).close();
}

template <class Stream>
void Session<Stream>::linger() {
  phase_ = Phase::Lingering;
  beast::error_code ec;
  socket().shutdown(asio::ip::tcp::socket::shutdown_send, ec);
  if (ec) return close();
  set_deadline(kLingerTime);  // the watchdog closes it then
  buffer_.clear();
  drain();
}

// Reads the raw socket, TLS or not: the bytes are dropped unread.
template <class Stream>
void Session<Stream>::drain() {
  socket().async_read_some(buffer_.prepare(kMaxBufferedBytes),
                           [self = this->shared_from_this()](beast::error_code ec, size_t) {
                             if (self->phase_ == Phase::Closed) return;
                             if (ec) return self->close();  // the client closed its end
                             self->drain();
                           });
}

template class Session<PlainStream>;
template class Session<TlsStream>;

}  // namespace wasmlet::server
