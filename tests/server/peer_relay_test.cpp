#include "server/peer_relay.h"

#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <chrono>
#include <future>
#include <stop_token>
#include <string>
#include <thread>

namespace wasmlet::server {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

// A peer over real sockets that serves one connection at a time and behaves as told: answers
// with "echo:" and the body and keeps the connection; answers and then closes it (as a server
// whose idle timeout struck right after, although its answer said keep-alive); or reads the
// request and never answers.
class ScriptedPeer {
 public:
  enum class Mode { kAnswer, kAnswerThenClose, kSilent };

  explicit ScriptedPeer(Mode mode)
      : mode_(mode), acceptor_(ioc_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {
    thread_ = std::thread([this] { serve(); });
  }
  // The relay (made after this peer) is gone first, and its kept connections with it; a
  // connection of its own wakes the accept.
  ~ScriptedPeer() {
    stopping_ = true;
    boost::system::error_code ec;
    tcp::socket wake(ioc_);
    wake.connect(acceptor_.local_endpoint(), ec);
    thread_.join();
  }

  std::string address() const {
    return "127.0.0.1:" + std::to_string(acceptor_.local_endpoint().port());
  }
  int accepted() const { return accepted_.load(); }
  // Silent: the client closed the connection it sent its request on.
  bool closed_by_client() const { return closed_by_client_.load(); }

 private:
  void serve() {
    while (!stopping_) {
      boost::system::error_code ec;
      tcp::socket socket(ioc_);
      acceptor_.accept(socket, ec);
      if (ec || stopping_) return;
      ++accepted_;
      beast::flat_buffer buffer;
      for (;;) {
        http::request<http::string_body> request;
        http::read(socket, buffer, request, ec);
        if (ec) break;
        if (mode_ == Mode::kSilent) {
          char byte = 0;
          socket.read_some(asio::buffer(&byte, 1), ec);  // until the other side closes
          closed_by_client_ = true;
          break;
        }
        http::response<http::string_body> response{http::status::ok, 11};
        response.set("X-Wasmlet-Run-Us", "7");
        response.body() = "echo:" + request.body();
        response.keep_alive(true);
        response.prepare_payload();
        http::write(socket, response, ec);
        if (ec || mode_ == Mode::kAnswerThenClose) break;
      }
      socket.close(ec);
    }
  }

  Mode mode_;
  asio::io_context ioc_;
  tcp::acceptor acceptor_;
  std::atomic<bool> stopping_{false};
  std::atomic<int> accepted_{0};
  std::atomic<bool> closed_by_client_{false};
  std::thread thread_;
};

class PeerRelayTest : public ::testing::Test {
 protected:
  ~PeerRelayTest() override {
    work_.reset();
    ioc_.stop();
    thread_.join();
  }

  PeerRelay::Result send(PeerRelay& relay, const std::string& address, const std::string& body,
                         std::stop_token abandoned = {}) {
    PeerRelay::Request request{http::verb::post, "/v1/functions/alice/echo:invoke", 11};
    request.body() = body;
    std::promise<PeerRelay::Result> promise;
    auto future = promise.get_future();
    relay.send(
        address, std::move(request),
        [&promise](PeerRelay::Result r) { promise.set_value(std::move(r)); }, std::move(abandoned));
    EXPECT_EQ(future.wait_for(10s), std::future_status::ready);
    return future.get();
  }

  asio::io_context ioc_;
  asio::executor_work_guard<asio::io_context::executor_type> work_{ioc_.get_executor()};
  std::thread thread_{[this] { ioc_.run(); }};
};

TEST_F(PeerRelayTest, RelaysRequestsOnOneKeptConnection) {
  ScriptedPeer peer(ScriptedPeer::Mode::kAnswer);
  PeerRelay relay(ioc_, {});
  for (const std::string body : {"one", "two", "three"}) {
    auto r = send(relay, peer.address(), body);
    ASSERT_EQ(r.outcome, PeerRelay::Outcome::kAnswered) << r.error;
    EXPECT_EQ(r.response.result(), http::status::ok);
    EXPECT_EQ(r.response.body(), "echo:" + body);
    EXPECT_EQ(r.response["X-Wasmlet-Run-Us"], "7");
  }
  EXPECT_EQ(peer.accepted(), 1);
}

TEST_F(PeerRelayTest, AKeptConnectionThePeerClosedIsReplaced) {
  ScriptedPeer peer(ScriptedPeer::Mode::kAnswerThenClose);
  PeerRelay relay(ioc_, {});
  for (const std::string body : {"one", "two", "three"}) {
    auto r = send(relay, peer.address(), body);
    ASSERT_EQ(r.outcome, PeerRelay::Outcome::kAnswered) << r.error;
    EXPECT_EQ(r.response.body(), "echo:" + body);
  }
  EXPECT_EQ(peer.accepted(), 3);
}

TEST_F(PeerRelayTest, APeerNobodyListensAtIsUnreachable) {
  std::string address;
  {
    asio::io_context ioc;
    tcp::acceptor closed(ioc, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    address = "127.0.0.1:" + std::to_string(closed.local_endpoint().port());
  }
  PeerRelay relay(ioc_, {});
  auto r = send(relay, address, "x");
  EXPECT_EQ(r.outcome, PeerRelay::Outcome::kUnreachable);
  EXPECT_NE(r.error.find(address), std::string::npos) << r.error;
  for (const std::string bad : {"[::1", "host:0", "host:99999", "host:12x", ":80"}) {
    auto b = send(relay, bad, "x");
    EXPECT_EQ(b.outcome, PeerRelay::Outcome::kUnreachable) << bad;
    EXPECT_FALSE(b.error.empty()) << bad;
  }
}

TEST_F(PeerRelayTest, APeerThatNeverAnswersTimesOut) {
  ScriptedPeer peer(ScriptedPeer::Mode::kSilent);
  PeerRelay relay(ioc_, {.exchange_timeout = 200ms});
  auto start = std::chrono::steady_clock::now();
  auto r = send(relay, peer.address(), "x");
  EXPECT_EQ(r.outcome, PeerRelay::Outcome::kBroken);
  EXPECT_NE(r.error.find("in time"), std::string::npos) << r.error;
  EXPECT_GE(std::chrono::steady_clock::now() - start, 200ms);
  for (int i = 0; i < 1000 && !peer.closed_by_client(); ++i) std::this_thread::sleep_for(1ms);
  EXPECT_TRUE(peer.closed_by_client());
}

// A client that hangs up during a forwarded call: the connection to the peer is closed (a
// Wasmlet peer then stops the call), long before the exchange's time limit.
TEST_F(PeerRelayTest, AnAbandonedExchangeClosesItsConnection) {
  ScriptedPeer peer(ScriptedPeer::Mode::kSilent);
  PeerRelay relay(ioc_, {.exchange_timeout = 60s});
  std::stop_source hang_up;
  std::thread client([&] {
    std::this_thread::sleep_for(100ms);
    hang_up.request_stop();
  });
  auto r = send(relay, peer.address(), "x", hang_up.get_token());
  client.join();
  EXPECT_EQ(r.outcome, PeerRelay::Outcome::kBroken);
  EXPECT_NE(r.error.find("hung up"), std::string::npos) << r.error;
  for (int i = 0; i < 1000 && !peer.closed_by_client(); ++i) std::this_thread::sleep_for(1ms);
  EXPECT_TRUE(peer.closed_by_client());

  // One that had hung up before: nothing is sent.
  std::stop_source gone;
  gone.request_stop();
  auto g = send(relay, peer.address(), "x", gone.get_token());
  EXPECT_EQ(g.outcome, PeerRelay::Outcome::kBroken);
  EXPECT_EQ(peer.accepted(), 1);
}

}  // namespace
}  // namespace wasmlet::server
