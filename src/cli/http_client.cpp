#include "cli/http_client.h"

#include <fmt/format.h>
#include <strings.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <charconv>
#include <limits>
#include <optional>

namespace wasmlet::cli {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using boost::system::error_code;

namespace {
// Boost 1.74's Beast has its own string_view.
beast::string_view bsv(std::string_view s) { return {s.data(), s.size()}; }
}  // namespace

std::string HttpResponse::header(std::string_view name) const {
  for (const auto& [k, v] : headers)
    if (k.size() == name.size() && strncasecmp(k.data(), name.data(), k.size()) == 0) return v;
  return {};
}

// Beast's tcp_stream enforces timeouts only on asynchronous operations, so each step starts
// one and runs the private io_context until it completes: synchronous to the caller, bounded
// in time.
struct HttpClient::Impl {
  HttpClientOptions options;
  asio::io_context ioc{1};
  beast::tcp_stream stream{ioc};
  beast::flat_buffer buffer;
  bool connected = false;

  explicit Impl(HttpClientOptions o) : options(o) {}

  void run() {
    ioc.restart();
    ioc.run();
  }

  static std::string describe(const error_code& ec, std::chrono::milliseconds timeout) {
    if (ec == beast::error::timeout)
      return fmt::format("timed out after {:g} s", static_cast<double>(timeout.count()) / 1000);
    return ec.message();
  }

  void connect(const std::string& host, uint16_t port) {
    tcp::resolver resolver(ioc);
    error_code ec;
    auto endpoints = resolver.resolve(host, std::to_string(port), ec);
    if (ec) throw ConnectError(ec.message());
    stream.expires_after(options.connect_timeout);
    // Tries each address in turn ("localhost" may be ::1 and 127.0.0.1); the error is the
    // last one's, e.g. "Connection refused".
    stream.async_connect(endpoints, [&](error_code e, const tcp::endpoint&) { ec = e; });
    run();
    if (ec) {
      stream.close();
      throw ConnectError(describe(ec, options.connect_timeout));
    }
    stream.socket().set_option(tcp::no_delay(true), ec);  // small requests: no Nagle delay
    buffer.clear();
    connected = true;
  }

  void close() {
    if (!connected) return;
    error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream.close();
    connected = false;
  }

  // One exchange on the current connection. `*stale` is set when the connection turned out to
  // be closed by the server before it answered anything, so the request can be safely resent.
  std::optional<HttpResponse> exchange(http::request<http::string_body>& req, bool head,
                                       bool* stale, error_code& ec) {
    stream.expires_after(options.request_timeout);
    http::async_write(stream, req, [&](error_code e, size_t) { ec = e; });
    run();
    if (ec) {
      *stale = ec == asio::error::broken_pipe || ec == asio::error::connection_reset;
      return std::nullopt;
    }
    http::response_parser<http::string_body> parser;
    parser.body_limit(std::numeric_limits<std::uint64_t>::max());
    if (head) parser.skip(true);
    http::async_read(stream, buffer, parser, [&](error_code e, size_t) { ec = e; });
    run();
    if (ec) {
      *stale =
          !parser.got_some() && (ec == http::error::end_of_stream ||
                                 ec == asio::error::connection_reset || ec == asio::error::eof);
      return std::nullopt;
    }
    auto res = parser.release();
    HttpResponse out;
    out.status = static_cast<int>(res.result_int());
    out.reason = std::string(res.reason());
    for (const auto& field : res)
      out.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
    out.body = std::move(res.body());
    if (!res.keep_alive()) close();
    return out;
  }
};

HttpClient::HttpClient(std::string host, uint16_t port, HttpClientOptions options)
    : host_(std::move(host)), port_(port), impl_(std::make_unique<Impl>(options)) {}

HttpClient::HttpClient(HttpClient&&) noexcept = default;
HttpClient& HttpClient::operator=(HttpClient&&) noexcept = default;
HttpClient::~HttpClient() {
  if (impl_) impl_->close();
}

void HttpClient::close() { impl_->close(); }

HttpResponse HttpClient::request(std::string_view method, std::string_view target,
                                 std::string_view body, const HttpHeaders& headers) {
  http::request<http::string_body> req;
  http::verb verb = http::string_to_verb(bsv(method));
  if (verb == http::verb::unknown)
    req.method_string(bsv(method));
  else
    req.method(verb);
  req.target(bsv(target));
  req.version(11);
  bool v6 = host_.find(':') != std::string::npos;
  req.set(http::field::host, (v6 ? "[" + host_ + "]" : host_) + ":" + std::to_string(port_));
  req.set(http::field::user_agent, "wasmlet");
  for (const auto& [k, v] : headers) req.set(k, v);
  req.body() = std::string(body);
  req.keep_alive(true);
  req.prepare_payload();
  bool head = verb == http::verb::head;

  // A kept-alive connection may have been closed by the server while idle: resend once on a
  // new connection, but only when the server provably did not start answering.
  for (int attempt = 0;; ++attempt) {
    bool reused = impl_->connected;
    if (!impl_->connected) impl_->connect(host_, port_);
    bool stale = false;
    error_code ec;
    auto res = impl_->exchange(req, head, &stale, ec);
    if (res) return std::move(*res);
    impl_->close();
    if (!(reused && stale && attempt == 0))
      throw TransportError(Impl::describe(ec, impl_->options.request_timeout));
  }
}

std::pair<std::string, uint16_t> parse_server_address(std::string_view address) {
  std::string_view a = address;
  if (a.starts_with("http://")) a.remove_prefix(7);
  while (a.ends_with('/')) a.remove_suffix(1);
  auto bad = [&] { return Error("bad server address '" + std::string(address) + "' (HOST:PORT)"); };
  std::string_view host = a, port_text;
  if (a.starts_with('[')) {  // [v6]:port
    size_t close = a.find(']');
    if (close == std::string_view::npos) throw bad();
    host = a.substr(1, close - 1);
    std::string_view rest = a.substr(close + 1);
    if (!rest.empty()) {
      if (!rest.starts_with(':')) throw bad();
      port_text = rest.substr(1);
    }
  } else if (size_t colon = a.rfind(':'); colon != std::string_view::npos) {
    host = a.substr(0, colon);
    port_text = a.substr(colon + 1);
  }
  if (host.empty()) throw bad();
  uint16_t port = 8080;
  if (!port_text.empty()) {
    unsigned value = 0;
    auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), value);
    if (ec != std::errc() || end != port_text.data() + port_text.size() || value == 0 ||
        value > 65535)
      throw bad();
    port = static_cast<uint16_t>(value);
  }
  return {std::string(host), port};
}

}  // namespace wasmlet::cli
