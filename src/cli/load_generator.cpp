#include "cli/load_generator.h"

#include <fmt/format.h>

#include <algorithm>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <thread>

#include "util/error.h"

namespace wasmlet::cli {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;
using beast::error_code;

constexpr uint64_t kBodyLimit = uint64_t{64} << 20;
constexpr auto kFirstPoll = std::chrono::microseconds(50);
constexpr auto kMaxPoll = std::chrono::milliseconds(5);
constexpr auto kReconnectDelay = std::chrono::milliseconds(10);

struct Window {
  Clock::time_point start, end;  // the measured window
};

// One connection's closed loop. Its handlers never run concurrently (one operation in flight,
// one asynchronous step of it at a time), so its state needs no lock; only `finished` is read
// by the progress thread.
class Connection {
 public:
  Connection(asio::io_context& ioc, const LoadSpec& spec, const tcp::resolver::results_type& at,
             Window window, size_t expected_ops)
      : spec_(spec), endpoints_(at), window_(window), socket_(ioc), timer_(ioc) {
    latencies_.reserve(expected_ops);
    headers_ = fmt::format("Host: {}:{}\r\n", spec.host, spec.port);
    if (!spec.bearer_token.empty())
      headers_ += fmt::format("Authorization: Bearer {}\r\n", spec.bearer_token);
    first_target_ = spec.targets.front() + (spec.async_poll ? "?async=1" : "");
    first_ = wire(spec_.method, first_target_, spec_.body);
  }

  void start() { connect_then(&Connection::begin_operation); }

  std::vector<double>& latencies() { return latencies_; }
  uint64_t requests() const { return requests_; }
  uint64_t errors() const { return errors_; }
  const std::string& first_error() const { return first_error_; }
  uint64_t finished() const { return finished_.load(std::memory_order_relaxed); }

 private:
  void begin_operation() {
    op_start_ = Clock::now();
    if (op_start_ >= window_.end) return;
    step_ = 0;
    poll_delay_ = kFirstPoll;
    current_ = &first_;
    current_target_ = &first_target_;
    head_ = spec_.method == "HEAD";
    send();
  }

  // A request's bytes, written by hand: the first one is made once and sent as it is, as wrk
  // does, so that the generator spends its time on the exchange.
  std::string wire(std::string_view method, std::string_view target, std::string_view body) const {
    bool with_body = method != "GET" && method != "HEAD" && method != "DELETE";
    std::string out = fmt::format("{} {} HTTP/1.1\r\n{}", method, target, headers_);
    if (with_body) {
      out += fmt::format("Content-Type: {}\r\nContent-Length: {}\r\n", spec_.content_type,
                         body.size());
    }
    out += "\r\n";
    if (with_body) out += body;
    return out;
  }

  // A later request of the operation (a chain's next step, an async call's poll).
  void prepare(std::string_view method, std::string target, std::string_view body) {
    next_ = wire(method, target, body);
    next_target_ = std::move(target);
    current_ = &next_;
    current_target_ = &next_target_;
    head_ = method == "HEAD";
  }

  void send() {
    asio::async_write(socket_, asio::buffer(*current_), [this](error_code ec, size_t) {
      if (ec) return fail_transport(ec, "write");
      parser_.emplace();
      parser_->body_limit(kBodyLimit);
      parser_->skip(head_);
      http::async_read(socket_, buffer_, *parser_, [this](error_code read_ec, size_t) {
        if (read_ec) return fail_transport(read_ec, "read");
        on_response();
      });
    });
  }

  void on_response() {
    auto& response = parser_->get();
    bool keep = response.keep_alive();
    int status = response.result_int();
    if (status < 200 || status >= 300) {
      std::string body = response.body().substr(0, 200);
      return finish(false, fmt::format("HTTP {} on {}: {}", status, *current_target_, body), keep);
    }
    if (spec_.async_poll) return on_async_response(response.body(), keep);
    if (++step_ < spec_.targets.size()) {
      prepare("POST", spec_.targets[step_], response.body());
      return keep ? send() : connect_then(&Connection::send);
    }
    finish(true, "", keep);
  }

  // The submit's {"id": N}, then the call's record until its status is final.
  void on_async_response(const std::string& body, bool keep) {
    auto j = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
    if (!j.is_object()) return finish(false, "async: a reply that is not a JSON object", keep);
    if (step_ == 0) {
      auto id = j.find("id");
      if (id == j.end() || !id->is_number_unsigned())
        return finish(false, "async: the submit's reply has no call id", keep);
      step_ = 1;
      prepare("GET", fmt::format("/v1/calls/{}", id->get<uint64_t>()), {});
      return keep ? send() : connect_then(&Connection::send);
    }
    std::string status = j.value("status", "");
    if (status == "succeeded") return finish(true, "", keep);
    if (status == "failed")
      return finish(false, fmt::format("async: call failed: {}", j.value("error_message", "")),
                    keep);
    if (!keep) return connect_then(&Connection::send);
    timer_.expires_after(poll_delay_);
    poll_delay_ = std::min<Clock::duration>(poll_delay_ * 2, kMaxPoll);
    timer_.async_wait([this](error_code ec) {
      if (!ec) send();
    });
  }

  void finish(bool ok, std::string error, bool keep) {
    auto now = Clock::now();
    if (op_start_ >= window_.start && now <= window_.end) {
      ++requests_;
      if (ok) {
        latencies_.push_back(std::chrono::duration<double, std::micro>(now - op_start_).count());
      } else {
        ++errors_;
      }
    }
    if (!ok && first_error_.empty()) first_error_ = std::move(error);
    finished_.fetch_add(1, std::memory_order_relaxed);
    if (keep)
      begin_operation();
    else
      connect_then(&Connection::begin_operation);
  }

  // Opens a (new) connection, then goes on with `next`.
  void connect_then(void (Connection::*next)()) {
    error_code ignored;
    socket_.close(ignored);
    buffer_.clear();
    asio::async_connect(socket_, endpoints_, [this, next](error_code ec, const tcp::endpoint&) {
      if (ec) return fail_transport(ec, "connect");
      socket_.set_option(tcp::no_delay(true));
      (this->*next)();
    });
  }

  // The exchange (or the connecting) failed: a failed operation; a new connection after a
  // short pause, so that a server that is down is not hammered.
  void fail_transport(error_code ec, const char* what) {
    auto now = Clock::now();
    if (now >= window_.start && now <= window_.end) {
      ++requests_;
      ++errors_;
    }
    if (first_error_.empty()) first_error_ = fmt::format("{}: {}", what, ec.message());
    finished_.fetch_add(1, std::memory_order_relaxed);
    buffer_.clear();
    if (now >= window_.end) return;
    timer_.expires_after(kReconnectDelay);
    timer_.async_wait([this](error_code timer_ec) {
      if (!timer_ec) connect_then(&Connection::begin_operation);
    });
  }

  const LoadSpec& spec_;
  const tcp::resolver::results_type& endpoints_;
  Window window_;
  tcp::socket socket_;
  asio::steady_timer timer_;
  beast::flat_buffer buffer_;
  std::string headers_;       // Host and Authorization, ending in CRLF
  std::string first_, next_;  // the operation's first request, and its later one
  std::string first_target_, next_target_;
  const std::string* current_ = &first_;  // the request in flight, and its target
  const std::string* current_target_ = &first_target_;
  bool head_ = false;  // the request in flight is a HEAD (its response has no body)
  std::optional<http::response_parser<http::string_body>> parser_;
  Clock::time_point op_start_;
  size_t step_ = 0;
  Clock::duration poll_delay_ = kFirstPoll;
  std::vector<double> latencies_;
  uint64_t requests_ = 0, errors_ = 0;
  std::string first_error_;
  std::atomic<uint64_t> finished_{0};
};

}  // namespace

LoadResult run_load(const LoadSpec& spec, const std::atomic<bool>& stop,
                    const LoadProgress& progress) {
  if (spec.targets.empty()) throw Error("the load has no request target");
  // One event loop per thread, each with its share of the connections, as wrk has: no loop is
  // shared, so none needs a lock.
  int thread_count = std::clamp(spec.threads, 1, std::max(1, spec.connections));
  std::vector<std::unique_ptr<asio::io_context>> loops;
  loops.reserve(thread_count);
  for (int i = 0; i < thread_count; ++i) loops.push_back(std::make_unique<asio::io_context>(1));
  tcp::resolver resolver(*loops.front());
  error_code ec;
  auto endpoints = resolver.resolve(spec.host, std::to_string(spec.port), ec);
  if (ec) throw Error(fmt::format("cannot resolve {}: {}", spec.host, ec.message()));

  auto start = Clock::now();
  auto warmup = std::chrono::duration_cast<Clock::duration>(spec.warmup);
  auto duration = std::chrono::duration_cast<Clock::duration>(spec.duration);
  Window window{start + warmup, start + warmup + duration};
  // Room for 100k operations a second in all, so that recording rarely allocates.
  double expected = 100'000 * spec.duration.count() / std::max(1, spec.connections);
  auto reserve = static_cast<size_t>(std::clamp(expected, 1024.0, double{1 << 20}));

  std::vector<std::unique_ptr<Connection>> connections;
  connections.reserve(spec.connections);
  for (int i = 0; i < spec.connections; ++i) {
    connections.push_back(
        std::make_unique<Connection>(*loops[i % thread_count], spec, endpoints, window, reserve));
    connections.back()->start();
  }
  std::vector<std::jthread> threads;
  threads.reserve(loops.size());
  for (auto& loop : loops) threads.emplace_back([&loop] { loop->run(); });

  LoadResult result;
  auto finished = [&] {
    uint64_t n = 0;
    for (const auto& c : connections) n += c->finished();
    return n;
  };
  for (;;) {
    auto now = Clock::now();
    if (now >= window.end) break;
    if (stop.load()) {
      result.stopped = true;
      break;
    }
    if (progress) progress(std::chrono::duration<double>(now - start).count(), finished());
    std::this_thread::sleep_for(
        std::min<Clock::duration>(std::chrono::milliseconds(100), window.end - now));
  }
  auto end = std::min(Clock::now(), window.end);
  // Operations still in flight are abandoned: the bound holds whatever the server does.
  for (auto& loop : loops) loop->stop();
  threads.clear();

  result.seconds = std::max(0.0, std::chrono::duration<double>(end - window.start).count());
  for (auto& c : connections) {
    result.requests += c->requests();
    result.errors += c->errors();
    if (result.first_error.empty()) result.first_error = c->first_error();
    auto& l = c->latencies();
    result.latencies_us.insert(result.latencies_us.end(), l.begin(), l.end());
  }
  std::sort(result.latencies_us.begin(), result.latencies_us.end());
  return result;
}

}  // namespace wasmlet::cli
