// HTTPS end to end over real sockets: an HttpServer with a certificate made at test time by the
// `openssl` command, the CLI's HttpClient verifying it, and raw clients that misbehave. Here
// rather than in tests/server because the client is the cli layer's.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <atomic>
#include <boost/asio/ssl.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "http_test_client.h"
#include "runtime/runtime.h"
#include "server/http_server.h"
#include "test_certs.h"
#include "test_support.h"
#include "util/files.h"
#include "util/http_client.h"

namespace wasmlet {
namespace {

namespace fs = std::filesystem;
namespace asio = boost::asio;
using namespace std::chrono_literals;

std::string guest(const std::string& name) {
  auto bytes = test::guest_bytes(name);
  return {bytes.begin(), bytes.end()};
}

// A raw socket to the server that gives up reading after a generous bound, so that a server
// that never closes fails the test instead of hanging it.
asio::ip::tcp::socket bounded_socket(asio::io_context& ioc, uint16_t port) {
  auto s = test::connect_local(ioc, port);
  timeval tv{.tv_sec = 60, .tv_usec = 0};
  setsockopt(s.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  return s;
}

class TlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    certs_ = test::make_test_certs(test::fresh_test_dir("tls-certs"));
    if (!certs_) GTEST_SKIP() << test::kNoOpenssl;
  }
  void TearDown() override {
    server_.reset();
    runtime_.reset();
  }

  // A server with the given certificate (the test CA's server certificate by default).
  void start(server::ServerConfig sc = {}, bool tls = true) {
    server_.reset();
    runtime_.reset();
    runtime::RuntimeConfig rc;
    rc.data_dir = dir_.path();
    rc.executor_threads = 2;
    rc.limits.timeout = 5s;
    rc.max_inline_calls = sc.io_threads;
    runtime_ = std::make_unique<runtime::Runtime>(rc);
    sc.port = 0;
    if (tls && sc.tls_cert_file.empty()) {
      sc.tls_cert_file = certs_->server_cert;
      sc.tls_key_file = certs_->server_key;
    }
    server_ = std::make_unique<server::HttpServer>(*runtime_, sc);
  }

  util::HttpClient client(const std::string& host = "127.0.0.1", fs::path ca = {}) {
    util::HttpClientOptions o;
    o.tls = true;
    o.ca_file = (ca.empty() ? certs_->ca : ca).string();
    o.request_timeout = 60s;
    return util::HttpClient(host, server_->port(), o);
  }

  void upload(util::HttpClient& c, const std::string& name) {
    auto r = c.request("PUT", "/v1/functions/alice/" + name, guest(name));
    ASSERT_EQ(r.status, 200) << r.body;
  }

  // The message of the TlsError that the first request of `c` throws ("" if none).
  static std::string tls_failure(util::HttpClient& c) {
    try {
      c.request("GET", "/healthz");
    } catch (const util::TlsError& e) {
      return e.what();
    }
    return "";
  }

  std::optional<test::TestCerts> certs_;
  util::TempDir dir_{fs::temp_directory_path(), "wasmlet-tls-test"};
  std::unique_ptr<runtime::Runtime> runtime_;
  std::unique_ptr<server::HttpServer> server_;
};

TEST_F(TlsTest, InvokesAFunctionOverHttpsOnOneKeptAliveConnection) {
  start();
  EXPECT_TRUE(server_->tls());
  auto c = client();
  upload(c, "echo");
  for (int i = 0; i < 5; ++i) {
    std::string input = "hello over TLS " + std::to_string(i);
    auto r = c.request("POST", "/v1/functions/alice/echo:invoke", input);
    EXPECT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.body, input);
    EXPECT_EQ(r.header("Connection"), "");  // kept alive
  }
  // The host name is checked too: the certificate names localhost.
  auto by_name = client("localhost");
  EXPECT_EQ(by_name.request("GET", "/healthz").status, 200);
}

// The server drops an idle TLS connection without close_notify; the client's next request
// finds it closed and goes on a new one.
TEST_F(TlsTest, AConnectionTheServerDroppedIsReopened) {
  server::ServerConfig sc;
  sc.io_timeout = 1s;
  start(sc);
  auto c = client();
  EXPECT_EQ(c.request("GET", "/ping").status, 200);
  std::this_thread::sleep_for(2500ms);  // past the idle timeout
  EXPECT_EQ(c.request("GET", "/ping").status, 200);
}

TEST_F(TlsTest, ACertificateFromAnotherCaIsRefused) {
  start();
  auto c = client("127.0.0.1", certs_->unrelated_ca);
  EXPECT_EQ(tls_failure(c),
            "TLS: certificate verify failed (unable to get local issuer certificate)");
}

TEST_F(TlsTest, ACertificateForAnotherHostIsRefused) {
  server::ServerConfig sc;
  sc.tls_cert_file = certs_->other_cert;
  sc.tls_key_file = certs_->other_key;
  start(sc);
  auto by_ip = client("127.0.0.1");
  EXPECT_EQ(tls_failure(by_ip), "TLS: certificate verify failed (IP address mismatch)");
  auto by_name = client("localhost");
  EXPECT_EQ(tls_failure(by_name), "TLS: certificate verify failed (hostname mismatch)");
}

TEST_F(TlsTest, APlainHttpClientIsClosedWithoutAnAnswer) {
  start();
  asio::io_context ioc;
  auto s = bounded_socket(ioc, server_->port());
  asio::write(s, asio::buffer(std::string("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")));
  std::string got = test::read_until_closed(s);
  EXPECT_FALSE(got.starts_with("HTTP/")) << got;  // at most a TLS alert
  // The server is no worse for it.
  auto c = client();
  EXPECT_EQ(c.request("GET", "/healthz").status, 200);
}

TEST_F(TlsTest, AnHttpsClientToAPlainServerFailsClearly) {
  start({}, /*tls=*/false);
  EXPECT_FALSE(server_->tls());
  auto c = client();
  std::string message = tls_failure(c);
  EXPECT_TRUE(message.starts_with("TLS: handshake failed (")) << message;
  EXPECT_TRUE(message.ends_with("is the server serving HTTPS?")) << message;
}

TEST_F(TlsTest, AClientThatNeverHandshakesIsDropped) {
  server::ServerConfig sc;
  sc.tls_handshake_timeout = 300ms;
  start(sc);
  asio::io_context ioc;
  auto silent = bounded_socket(ioc, server_->port());
  EXPECT_EQ(test::read_until_closed(silent), "");  // closed, nothing sent
  auto c = client();
  EXPECT_EQ(c.request("GET", "/healthz").status, 200);
}

TEST_F(TlsTest, ManyConcurrentClients) {
  server::ServerConfig sc;
  sc.io_threads = 2;
  start(sc);
  {
    auto c = client();
    upload(c, "echo");
  }
  constexpr int kClients = 32, kRequests = 5;
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kClients; ++t) {
    threads.emplace_back([&, t] {
      auto c = client();
      for (int i = 0; i < kRequests; ++i) {
        std::string input = std::to_string(t) + "/" + std::to_string(i);
        auto r = c.request("POST", "/v1/functions/alice/echo:invoke", input);
        if (r.status == 200 && r.body == input) ++ok;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), kClients * kRequests);
}

TEST_F(TlsTest, ConnectionsBeyondTheCapAreRefused) {
  server::ServerConfig sc;
  sc.max_connections = 2;
  sc.health_reserve = 1;
  start(sc);
  std::vector<util::HttpClient> held;
  for (int i = 0; i < 2; ++i) {
    held.push_back(client());
    EXPECT_EQ(held.back().request("GET", "/ping").status, 200);
  }
  auto over = client();  // in the health-check reserve
  EXPECT_EQ(over.request("GET", "/ping").status, 503);
}

// Short calls run on the I/O thread, a long one there hands the connections to the standby
// thread, and a client that hangs up during its call cancels it: over TLS as over plain TCP.
TEST_F(TlsTest, InlineCallsStandbyAndHangUpsWorkOverTls) {
  server::ServerConfig sc;
  sc.io_threads = 1;
  start(sc);
  auto c = client();
  upload(c, "maybe_spin");
  upload(c, "spin");
  // A streak of short calls makes calls run inline; on a loaded machine some may not be short.
  for (int i = 0; i < 200 && runtime_->metrics().inline_calls < 4; ++i) {
    ASSERT_EQ(c.request("POST", "/v1/functions/alice/maybe_spin:invoke", "hi").body, "hi");
  }
  EXPECT_GE(runtime_->metrics().inline_calls, 4u);

  std::atomic<bool> spin_done{false};
  std::thread spinner([&] {
    auto s = client();
    EXPECT_EQ(s.request("POST", "/v1/functions/alice/maybe_spin:invoke", "spin").status, 500);
    spin_done = true;
  });
  for (int i = 0; i < 1000 && runtime_->metrics().running == 0; ++i) {
    std::this_thread::sleep_for(1ms);
  }
  auto other = client();
  EXPECT_EQ(other.request("POST", "/v1/functions/alice/maybe_spin:invoke", "still").body, "still");
  EXPECT_FALSE(spin_done.load()) << "answered only after the long call ended";
  spinner.join();

  // A client hangs up in the middle of its call, the two ways a TLS client may: a FIN alone,
  // or a close_notify first (which a peek at the socket would take for more data).
  for (bool close_notify : {false, true}) {
    SCOPED_TRACE(close_notify ? "close_notify, then FIN" : "FIN alone");
    uint64_t cancelled_before = runtime_->metrics().invocations[{"alice/spin", "cancelled"}];
    {
      asio::ssl::context ctx(asio::ssl::context::tls_client);
      ctx.load_verify_file(certs_->ca.string());
      asio::io_context ioc;
      asio::ssl::stream<asio::ip::tcp::socket> s(ioc, ctx);
      s.set_verify_mode(asio::ssl::verify_peer);
      s.next_layer() = test::connect_local(ioc, server_->port());
      s.handshake(asio::ssl::stream_base::client);
      asio::write(s, asio::buffer(std::string("POST /v1/functions/alice/spin:invoke HTTP/1.1\r\n"
                                              "Host: x\r\nContent-Length: 0\r\n\r\n")));
      for (int i = 0; i < 2000 && runtime_->metrics().running == 0; ++i) {
        std::this_thread::sleep_for(1ms);
      }
      if (close_notify) {
        // Sends close_notify, then would wait for the server's, which is not coming.
        s.async_shutdown([](boost::system::error_code) {});
        ioc.run_for(200ms);
      }
    }  // the socket closes: FIN
    uint64_t cancelled = cancelled_before, timed_out = 0;
    for (int i = 0; i < 1000 && cancelled + timed_out == cancelled_before; ++i) {
      std::this_thread::sleep_for(10ms);
      auto m = runtime_->metrics();
      cancelled = m.invocations[{"alice/spin", "cancelled"}];
      timed_out = m.invocations[{"alice/spin", "timeout"}];
    }
    EXPECT_EQ(cancelled, cancelled_before + 1);
    EXPECT_EQ(timed_out, 0u);
    for (int i = 0; i < 2000 && runtime_->metrics().running != 0; ++i) {
      std::this_thread::sleep_for(1ms);
    }
  }
}

TEST_F(TlsTest, GracefulShutdownAnswersCallsInFlight) {
  start();
  auto c = client();
  upload(c, "sleeper");
  auto idle = client();  // an idle kept-alive TLS connection must not hold the shutdown up
  EXPECT_EQ(idle.request("GET", "/ping").status, 200);
  util::HttpResponse answer;
  std::thread caller([&] { answer = c.request("POST", "/v1/functions/alice/sleeper:invoke"); });
  for (int i = 0; i < 2000 && runtime_->metrics().running == 0; ++i) {
    std::this_thread::sleep_for(1ms);
  }
  server_->stop();
  caller.join();
  EXPECT_EQ(answer.status, 200) << answer.body;
  EXPECT_EQ(answer.header("Connection"), "close");
}

// Each bad start-up names the file and the fault, and nothing listens.
TEST_F(TlsTest, BadCertificatesOrKeysStopTheStart) {
  auto refused = [&](const fs::path& cert, const fs::path& key) -> std::string {
    server::ServerConfig sc;
    sc.tls_cert_file = cert;
    sc.tls_key_file = key;
    try {
      start(sc);
    } catch (const Error& e) {
      return e.what();
    }
    return "started";
  };
  const auto& c = *certs_;
  EXPECT_EQ(refused(c.server_cert, c.other_key), "the TLS key " + c.other_key.string() +
                                                     " does not match the certificate " +
                                                     c.server_cert.string());
  std::string missing = refused(c.dir / "missing.pem", c.server_key);
  EXPECT_EQ(missing, "cannot read the TLS certificate " + (c.dir / "missing.pem").string() +
                         ": No such file or directory");
  fs::path junk = c.dir / "junk.pem";
  std::ofstream(junk) << "not a certificate\n";
  EXPECT_TRUE(refused(junk, c.server_key)
                  .starts_with("the TLS certificate " + junk.string() +
                               " is not a PEM certificate chain: "));
  EXPECT_TRUE(refused(c.server_cert, junk)
                  .starts_with("the TLS key " + junk.string() +
                               " is not an unencrypted PEM private key: "));
  EXPECT_EQ(refused(c.server_cert, {}),
            "HTTPS needs both a certificate and its key (or neither, for plain HTTP)");
}

}  // namespace
}  // namespace wasmlet
