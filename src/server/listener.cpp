#include "server/listener.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>
#include <future>

#include "server/session.h"

namespace wasmlet::server {

namespace asio = boost::asio;
using asio::ip::tcp;

namespace {

template <class Stream>
void start_session(const std::shared_ptr<Session<Stream>>& session, bool health_only) {
  if (health_only) session->limit_to_health_checks();
  session->start();
}

}  // namespace

Listener::Listener(asio::io_context& ioc, const tcp::endpoint& endpoint,
                   std::shared_ptr<ServerCore> core)
    : ioc_(ioc),
      strand_(asio::make_strand(ioc)),
      acceptor_(strand_),
      retry_timer_(strand_),
      core_(std::move(core)) {
  boost::system::error_code ec;
  auto fail = [&](const char* what) {
    throw Error(fmt::format("cannot {} {}:{}: {}", what, endpoint.address().to_string(),
                            endpoint.port(), ec.message()));
  };
  acceptor_.open(endpoint.protocol(), ec);
  if (ec) fail("open a socket for");
  acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
  if (ec) fail("configure");
  acceptor_.bind(endpoint, ec);
  if (ec) fail("bind");
  acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) fail("listen on");
  endpoint_ = acceptor_.local_endpoint();
}

void Listener::start() {
  asio::post(strand_, [self = shared_from_this()] { self->accept(); });
}

void Listener::stop() {
  std::promise<void> closed;
  asio::post(strand_, [self = shared_from_this(), &closed] {
    boost::system::error_code ec;
    self->retry_timer_.cancel();
    self->acceptor_.close(ec);
    closed.set_value();
  });
  closed.get_future().wait();
}

void Listener::accept() {
  if (!acceptor_.is_open()) return;
  // Each connection gets its own strand: its handlers never run concurrently.
  acceptor_.async_accept(
      asio::make_strand(ioc_),
      [self = shared_from_this()](boost::system::error_code ec, tcp::socket socket) {
        self->on_accept(ec, std::move(socket));
      });
}

void Listener::on_accept(boost::system::error_code ec, tcp::socket socket) {
  if (ec == asio::error::operation_aborted || !acceptor_.is_open()) return;
  if (ec) {
    // Typically out of descriptors: back off briefly instead of spinning.
    spdlog::warn("accept failed: {}", ec.message());
    retry_timer_.expires_after(std::chrono::milliseconds(50));
    retry_timer_.async_wait([self = shared_from_this()](boost::system::error_code wec) {
      if (!wec) self->accept();
    });
    return;
  }
  boost::system::error_code opt_ec;
  socket.set_option(tcp::no_delay(true), opt_ec);  // replies are complete when written
  const ServerConfig& config = core_->config();
  size_t open_now = core_->session_count();
  if (open_now >= config.max_connections + config.health_reserve) {
    // Past the reserve too: refuse at once, without spending anything on the connection. Logged
    // once a second at most: a flood must not flood the log as well.
    ++refused_;
    auto now = std::chrono::steady_clock::now();
    if (now - last_refusal_log_ >= std::chrono::seconds(1)) {
      spdlog::warn("refused {} connection(s): {} connections open", refused_, open_now);
      refused_ = 0;
      last_refusal_log_ = now;
    }
    socket.close(opt_ec);
  } else {
    // In the reserve: answers /healthz only, and 503 without reading a body otherwise.
    bool health_only = open_now >= config.max_connections;
    if (auto* tls = core_->tls()) {
      start_session(std::make_shared<Session<TlsStream>>(std::move(socket), core_, tls),
                    health_only);
    } else {
      start_session(std::make_shared<Session<PlainStream>>(std::move(socket), core_), health_only);
    }
  }
  accept();
}

}  // namespace wasmlet::server
