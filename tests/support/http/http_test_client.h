#pragma once
// A small synchronous HTTP/1.1 client for the server tests: keep-alive connections to
// 127.0.0.1, plus raw sockets for the tests that misbehave on purpose.
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace wasmlet::test {

namespace http = boost::beast::http;
using HttpResponse = http::response<http::string_body>;
using Headers = std::vector<std::pair<std::string, std::string>>;

// A connected socket to 127.0.0.1:port.
inline boost::asio::ip::tcp::socket connect_local(boost::asio::io_context& ioc, uint16_t port) {
  boost::asio::ip::tcp::socket socket(ioc);
  socket.connect({boost::asio::ip::make_address("127.0.0.1"), port});
  socket.set_option(boost::asio::ip::tcp::no_delay(true));
  return socket;
}

class HttpClient {
 public:
  explicit HttpClient(uint16_t port) : port_(port), socket_(connect_local(ioc_, port)) {}

  // Sends one request on the connection (reconnecting if the server closed it) and reads the
  // reply. Throws boost::system::system_error on a transport failure.
  HttpResponse request(http::verb method, const std::string& target, std::string body = {},
                       const Headers& headers = {}) {
    if (!open_) reconnect();
    http::request<http::string_body> req{method, target, 11};
    req.set(http::field::host, "127.0.0.1");
    for (const auto& [name, value] : headers) req.set(name, value);
    req.body() = std::move(body);
    req.prepare_payload();
    http::write(socket_, req);
    http::response_parser<http::string_body> parser;
    parser.body_limit(1ull << 30);
    http::read(socket_, buffer_, parser);
    HttpResponse res = parser.release();
    open_ = res.keep_alive();
    return res;
  }

  HttpResponse get(const std::string& target) { return request(http::verb::get, target); }
  HttpResponse put(const std::string& target, std::string body, const Headers& headers = {}) {
    return request(http::verb::put, target, std::move(body), headers);
  }
  HttpResponse post(const std::string& target, std::string body, const Headers& headers = {}) {
    return request(http::verb::post, target, std::move(body), headers);
  }

  size_t reconnects() const { return reconnects_; }

 private:
  void reconnect() {
    boost::system::error_code ec;
    socket_.close(ec);
    socket_ = connect_local(ioc_, port_);
    buffer_.clear();
    open_ = true;
    ++reconnects_;
  }

  uint16_t port_;
  boost::asio::io_context ioc_;
  boost::asio::ip::tcp::socket socket_;
  boost::beast::flat_buffer buffer_;
  bool open_ = true;
  size_t reconnects_ = 0;
};

// One request on a fresh connection.
inline HttpResponse http_request(uint16_t port, http::verb method, const std::string& target,
                                 std::string body = {}, const Headers& headers = {}) {
  HttpClient client(port);
  return client.request(method, target, std::move(body), headers);
}

// Reads whatever the server sends until it closes the connection (or `limit` bytes).
inline std::string read_until_closed(boost::asio::ip::tcp::socket& socket, size_t limit = 1 << 20) {
  std::string data;
  boost::system::error_code ec;
  char buf[4096];
  while (data.size() < limit) {
    size_t n = socket.read_some(boost::asio::buffer(buf), ec);
    if (ec) break;
    data.append(buf, n);
  }
  return data;
}

}  // namespace wasmlet::test
