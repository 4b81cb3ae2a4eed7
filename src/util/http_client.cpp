#include "util/http_client.h"

#include <fmt/format.h>
#include <strings.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>
#include <limits>
#include <optional>

namespace wasmlet::util {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using boost::system::error_code;

namespace {

using TlsStream = beast::ssl_stream<beast::tcp_stream>;

// Boost 1.74's Beast has its own string_view.
beast::string_view bsv(std::string_view s) { return {s.data(), s.size()}; }

// TLS 1.2 and later, verifying against `ca_file` or the system's CAs.
std::unique_ptr<ssl::context> client_context(const std::string& ca_file) {
  auto ctx = std::make_unique<ssl::context>(ssl::context::tls_client);
  SSL_CTX_set_min_proto_version(ctx->native_handle(), TLS1_2_VERSION);
  error_code ec;
  if (ca_file.empty()) {
    ctx->set_default_verify_paths(ec);
    if (ec) throw TlsError("TLS: cannot load the system's CA certificates: " + ec.message());
  } else {
    if (!std::ifstream(ca_file)) {
      throw TlsError(
          fmt::format("TLS: cannot read the CA file {}: {}", ca_file, std::strerror(errno)));
    }
    ctx->load_verify_file(ca_file, ec);
    if (ec) {
      throw TlsError(fmt::format("TLS: no PEM CA certificates in {}: {}", ca_file, ec.message()));
    }
  }
  return ctx;
}

}  // namespace

std::string HttpResponse::header(std::string_view name) const {
  for (const auto& [k, v] : headers)
    if (k.size() == name.size() && strncasecmp(k.data(), name.data(), k.size()) == 0) return v;
  return {};
}

// Beast's tcp_stream enforces timeouts only on asynchronous operations, so each step starts
// one and runs the private io_context until it completes: synchronous to the caller, bounded
// in time. HTTPS runs the same steps over an ssl_stream, a new one per connection.
struct HttpClient::Impl {
  HttpClientOptions options;
  asio::io_context ioc{1};
  beast::tcp_stream stream{ioc};  // plain HTTP
  std::unique_ptr<ssl::context> tls_context;
  std::unique_ptr<TlsStream> tls;  // HTTPS: the connection's TLS stream
  beast::flat_buffer buffer;
  bool connected = false;

  explicit Impl(HttpClientOptions o) : options(std::move(o)) {
    if (options.tls) tls_context = client_context(options.ca_file);
  }

  void run() {
    ioc.restart();
    ioc.run();
  }

  beast::tcp_stream& lowest() { return tls ? tls->next_layer() : stream; }

  // Calls f with the connection's stream, plain or TLS.
  template <class F>
  auto with_stream(F&& f) {
    return tls ? f(*tls) : f(stream);
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
    if (tls_context) tls = std::make_unique<TlsStream>(ioc, *tls_context);
    lowest().expires_after(options.connect_timeout);
    // Tries each address in turn ("localhost" may be ::1 and 127.0.0.1); the error is the
    // last one's, e.g. "Connection refused".
    lowest().async_connect(endpoints, [&](error_code e, const tcp::endpoint&) { ec = e; });
    run();
    if (ec) {
      lowest().close();
      throw ConnectError(describe(ec, options.connect_timeout));
    }
    lowest().socket().set_option(tcp::no_delay(true), ec);  // small requests: no Nagle delay
    if (tls) handshake(host);
    buffer.clear();
    connected = true;
  }

  // Verifies the server's chain and that its certificate names `host` (a DNS name or an IP).
  void handshake(const std::string& host) {
    SSL* ssl = tls->native_handle();
    error_code ec;
    auto ip = asio::ip::make_address(host, ec);
    X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
    X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    bool named = ec ? X509_VERIFY_PARAM_set1_host(param, host.c_str(), host.size()) == 1
                    : X509_VERIFY_PARAM_set1_ip_asc(param, ip.to_string().c_str()) == 1;
    // SNI carries host names only (RFC 6066 3). (SSL_set_tlsext_host_name is this call
    // behind an old-style cast.)
    if (!named || (ec && SSL_ctrl(ssl, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
                                  const_cast<char*>(host.c_str())) != 1)) {
      lowest().close();
      throw TlsError(fmt::format("TLS: cannot verify the host name '{}'", host));
    }
    tls->set_verify_mode(ssl::verify_peer);
    lowest().expires_after(options.connect_timeout);
    tls->async_handshake(ssl::stream_base::client, [&](error_code e) { ec = e; });
    run();
    if (!ec) return;
    long verify = SSL_get_verify_result(ssl);
    lowest().close();
    if (verify != X509_V_OK) {
      throw TlsError(fmt::format("TLS: certificate verify failed ({})",
                                 X509_verify_cert_error_string(verify)));
    }
    if (ec.category() == asio::error::get_ssl_category()) {
      throw TlsError(
          fmt::format("TLS: handshake failed ({}); is the server serving HTTPS?", ec.message()));
    }
    throw ConnectError(describe(ec, options.connect_timeout));
  }

  void close() {
    if (!connected) return;
    error_code ignored;
    // No TLS close_notify: the server knows the end of each request from its length.
    lowest().socket().shutdown(tcp::socket::shutdown_both, ignored);
    lowest().close();
    tls.reset();
    connected = false;
  }

  // Whether the connection proved closed by the server before it answered: a TLS one may end
  // without close_notify.
  static bool closed_early(const error_code& ec) {
    return ec == http::error::end_of_stream || ec == asio::error::connection_reset ||
           ec == asio::error::eof || ec == asio::error::broken_pipe ||
           ec == ssl::error::stream_truncated;
  }

  // One exchange on the current connection. `*stale` is set when the connection turned out to
  // be closed by the server before it answered anything, so the request can be safely resent.
  std::optional<HttpResponse> exchange(http::request<http::string_body>& req, bool head,
                                       bool* stale, error_code& ec) {
    lowest().expires_after(options.request_timeout);
    with_stream([&](auto& s) { http::async_write(s, req, [&](error_code e, size_t) { ec = e; }); });
    run();
    if (ec) {
      *stale = closed_early(ec);
      return std::nullopt;
    }
    http::response_parser<http::string_body> parser;
    parser.body_limit(std::numeric_limits<std::uint64_t>::max());
    if (head) parser.skip(true);
    with_stream([&](auto& s) {
      http::async_read(s, buffer, parser, [&](error_code e, size_t) { ec = e; });
    });
    run();
    if (ec) {
      *stale = !parser.got_some() && closed_early(ec);
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
    : host_(std::move(host)), port_(port), impl_(std::make_unique<Impl>(std::move(options))) {}

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
  if (!impl_->options.bearer_token.empty())
    req.set(http::field::authorization, "Bearer " + impl_->options.bearer_token);
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

ServerAddress parse_server_address(std::string_view address) {
  std::string_view a = address;
  bool tls = a.starts_with("https://");
  if (tls) a.remove_prefix(8);
  if (!tls && a.starts_with("http://")) a.remove_prefix(7);
  while (a.ends_with('/')) a.remove_suffix(1);
  auto bad = [&] {
    return Error("bad server address '" + std::string(address) + "' ([https://]HOST:PORT)");
  };
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
  if (host.empty() || host.find('/') != std::string_view::npos) throw bad();
  uint16_t port = 8080;
  if (!port_text.empty()) {
    unsigned value = 0;
    auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), value);
    if (ec != std::errc() || end != port_text.data() + port_text.size() || value == 0 ||
        value > 65535)
      throw bad();
    port = static_cast<uint16_t>(value);
  }
  return {std::string(host), port, tls};
}

}  // namespace wasmlet::util
