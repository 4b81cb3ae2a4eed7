// The HTTP floor of this machine: a minimal native Boost.Beast server with the same I/O model
// as `wasmlet serve` (one io_context run by N threads, a strand per connection, keep-alive)
// that answers every POST with its request body, which is what the echo function does, and
// every other request with "ok". `http_bench.sh` measures Wasmlet against it: whatever this
// server cannot beat is the cost of HTTP and the kernel, not of Wasmlet.
//
//   http_floor_server [--host 127.0.0.1] [--port 0] [--threads 2]
// Prints "listening on HOST:PORT" once it accepts connections; stops on SIGINT/SIGTERM.
#include <algorithm>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <csignal>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using boost::system::error_code;

namespace {

class Session : public std::enable_shared_from_this<Session> {
 public:
  explicit Session(tcp::socket socket) : stream_(std::move(socket)) {}

  void start() { read(); }

 private:
  void read() {
    request_ = {};
    http::async_read(stream_, buffer_, request_,
                     [self = shared_from_this()](error_code ec, size_t) { self->on_read(ec); });
  }

  void on_read(error_code ec) {
    if (ec) return close();
    response_ = {};
    response_.version(request_.version());
    response_.keep_alive(request_.keep_alive());
    response_.result(http::status::ok);
    if (request_.method() == http::verb::post) {
      response_.set(http::field::content_type, "application/octet-stream");
      response_.body() = std::move(request_.body());
    } else {
      response_.set(http::field::content_type, "text/plain");
      response_.body() = "ok";
    }
    response_.prepare_payload();
    http::async_write(stream_, response_,
                      [self = shared_from_this()](error_code e, size_t) { self->on_write(e); });
  }

  void on_write(error_code ec) {
    if (ec || !response_.keep_alive()) return close();
    read();
  }

  void close() {
    error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  http::request<http::string_body> request_;
  http::response<http::string_body> response_;
};

class Listener : public std::enable_shared_from_this<Listener> {
 public:
  Listener(asio::io_context& ioc, const tcp::endpoint& endpoint) : ioc_(ioc), acceptor_(ioc) {
    acceptor_.open(endpoint.protocol());
    acceptor_.set_option(asio::socket_base::reuse_address(true));
    acceptor_.bind(endpoint);
    acceptor_.listen(asio::socket_base::max_listen_connections);
  }

  tcp::endpoint local_endpoint() const { return acceptor_.local_endpoint(); }
  void stop() { acceptor_.close(); }

  void accept() {
    acceptor_.async_accept(asio::make_strand(ioc_),
                           [self = shared_from_this()](error_code ec, tcp::socket socket) {
                             if (ec == asio::error::operation_aborted) return;
                             if (!ec) {
                               socket.set_option(tcp::no_delay(true), ec);
                               std::make_shared<Session>(std::move(socket))->start();
                             }
                             self->accept();
                           });
  }

 private:
  asio::io_context& ioc_;
  tcp::acceptor acceptor_;
};

}  // namespace

int main(int argc, char** argv) {
  std::string host = "127.0.0.1";
  unsigned port = 0;
  int threads = 2;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    if (flag == "--host")
      host = argv[i + 1];
    else if (flag == "--port")
      port = static_cast<unsigned>(std::atoi(argv[i + 1]));
    else if (flag == "--threads")
      threads = std::max(1, std::atoi(argv[i + 1]));
    else {
      std::cerr << "usage: http_floor_server [--host H] [--port P] [--threads N]\n";
      return 2;
    }
  }
  try {
    asio::io_context ioc(threads);
    auto listener = std::make_shared<Listener>(
        ioc, tcp::endpoint(asio::ip::make_address(host), static_cast<unsigned short>(port)));
    listener->accept();
    asio::signal_set signals(ioc, SIGINT, SIGTERM);
    signals.async_wait([&](error_code, int) {
      listener->stop();
      ioc.stop();
    });
    std::cout << "listening on " << host << ":" << listener->local_endpoint().port() << std::endl;

    std::vector<std::jthread> pool;
    for (int i = 1; i < threads; ++i) pool.emplace_back([&ioc] { ioc.run(); });
    ioc.run();
  } catch (const std::exception& e) {
    std::cerr << "http_floor_server: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
