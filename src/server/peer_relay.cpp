#include "server/peer_relay.h"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <limits>
#include <map>
#include <optional>
#include <utility>
#include <vector>

#include "util/http_client.h"
#include "util/mutex.h"

namespace wasmlet::server {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

// A kept connection the peer closed while it sat idle fails this way before any byte of a
// response arrives.
bool closed_while_idle(const beast::error_code& ec) {
  return ec == http::error::end_of_stream || ec == asio::error::eof ||
         ec == asio::error::connection_reset || ec == asio::error::broken_pipe ||
         ec == asio::error::connection_aborted;
}

}  // namespace

struct PeerRelay::Pool {
  util::Mutex mutex;
  std::map<std::string, std::vector<beast::tcp_stream>> idle GUARDED_BY(mutex);
};

class PeerRelay::Exchange : public std::enable_shared_from_this<Exchange> {
 public:
  Exchange(asio::io_context& ioc, const Options& options, std::shared_ptr<Pool> pool,
           std::string address, Request request, Done done)
      : strand_(asio::make_strand(ioc)),
        options_(options),
        pool_(std::move(pool)),
        address_(std::move(address)),
        request_(std::move(request)),
        done_(std::move(done)) {}

  // Everything after this runs on one strand: the kept connection's, or a new one.
  void start(std::stop_token abandoned) {
    if (auto kept = take_idle()) {
      stream_.emplace(std::move(*kept));
      strand_ = stream_->get_executor();
      reused_ = true;
    }
    // Before anything runs on the strand, which may reset it; it only posts to the strand.
    on_abandon_.emplace(std::move(abandoned), Abandon{weak_from_this()});
    // Not from within send(): its caller may hold what `done` needs.
    asio::post(strand_, [self = shared_from_this()] { self->begin(); });
  }

 private:
  // Closes the connection on the exchange's strand: the operation in flight ends with an error.
  struct Abandon {
    std::weak_ptr<Exchange> exchange;
    void operator()() const {
      if (auto self = exchange.lock()) {
        asio::post(self->strand_, [self] {
          self->abandoned_ = true;
          beast::error_code ignored;
          if (self->resolver_) self->resolver_->cancel();
          if (self->stream_) self->stream_->socket().close(ignored);
        });
      }
    }
  };

  void begin() {
    if (abandoned_) {
      finish(Outcome::kBroken, "the client hung up");
      return;
    }
    try {
      target_ = util::parse_server_address(address_);
    } catch (const Error& e) {
      finish(Outcome::kUnreachable, e.what());
      return;
    }
    request_.set(http::field::host, target_.host);
    request_.keep_alive(true);
    request_.prepare_payload();
    if (stream_) {
      send();
    } else {
      connect();
    }
  }

  std::optional<beast::tcp_stream> take_idle() {
    util::MutexLock lock(pool_->mutex);
    auto it = pool_->idle.find(address_);
    if (it == pool_->idle.end() || it->second.empty()) return std::nullopt;
    std::optional<beast::tcp_stream> kept(std::move(it->second.back()));
    it->second.pop_back();
    return kept;
  }

  void keep_idle() {
    util::MutexLock lock(pool_->mutex);
    auto& idle = pool_->idle[address_];
    if (idle.size() < options_.idle_per_peer) idle.push_back(std::move(*stream_));
    stream_.reset();
  }

  void connect() {
    reused_ = false;
    stream_.emplace(strand_);
    resolver_.emplace(strand_);
    resolver_->async_resolve(
        target_.host, std::to_string(target_.port),
        [self = shared_from_this()](beast::error_code ec, const tcp::resolver::results_type& r) {
          self->on_resolve(ec, r);
        });
  }

  void on_resolve(beast::error_code ec, const tcp::resolver::results_type& results) {
    if (abandoned_) {
      finish(Outcome::kBroken, "the client hung up");
      return;
    }
    if (ec) {
      finish(Outcome::kUnreachable, "cannot resolve " + address_ + ": " + ec.message());
      return;
    }
    stream_->expires_after(options_.connect_timeout);
    stream_->async_connect(
        results, [self = shared_from_this()](beast::error_code error, const tcp::endpoint&) {
          if (self->abandoned_) {
            self->finish(Outcome::kBroken, "the client hung up");
            return;
          }
          if (error) {
            self->finish(Outcome::kUnreachable,
                         "cannot connect to " + self->address_ + ": " + error.message());
            return;
          }
          self->stream_->socket().set_option(tcp::no_delay(true), error);
          self->send();
        });
  }

  void send() {
    stream_->expires_after(options_.exchange_timeout);
    http::async_write(*stream_, request_,
                      [self = shared_from_this()](beast::error_code ec, size_t) {
                        if (ec) {
                          self->on_failure(ec, false);
                          return;
                        }
                        self->read();
                      });
  }

  void read() {
    parser_.emplace();
    // A peer is another host of the same cluster; its reply is a call's output, bounded there.
    parser_->body_limit(std::numeric_limits<std::uint64_t>::max());
    http::async_read(*stream_, buffer_, *parser_,
                     [self = shared_from_this()](beast::error_code ec, size_t) {
                       if (ec) {
                         self->on_failure(ec, self->parser_->got_some());
                         return;
                       }
                       self->on_response();
                     });
  }

  void on_failure(const beast::error_code& ec, bool got_some) {
    if (abandoned_) {
      finish(Outcome::kBroken, "the client hung up");
      return;
    }
    if (reused_ && !got_some && closed_while_idle(ec)) {
      stream_.reset();
      buffer_.clear();
      connect();  // once: a new connection is not reused
      return;
    }
    finish(Outcome::kBroken, ec == beast::error::timeout
                                 ? "no answer from " + address_ + " in time"
                                 : "the exchange with " + address_ + " failed: " + ec.message());
  }

  void on_response() {
    on_abandon_.reset();
    Result result;
    result.response = parser_->release();
    if (result.response.keep_alive() && buffer_.size() == 0 && !abandoned_) {
      stream_->expires_never();
      keep_idle();
    }
    stream_.reset();
    done_(std::move(result));
  }

  void finish(Outcome outcome, std::string error) {
    on_abandon_.reset();
    stream_.reset();
    Result result;
    result.outcome = outcome;
    result.error = std::move(error);
    done_(std::move(result));
  }

  asio::any_io_executor strand_;
  const Options options_;
  std::shared_ptr<Pool> pool_;
  std::string address_;
  util::ServerAddress target_;
  Request request_;
  Done done_;
  std::optional<tcp::resolver> resolver_;
  std::optional<beast::tcp_stream> stream_;
  beast::flat_buffer buffer_;
  std::optional<http::response_parser<http::string_body>> parser_;
  bool reused_ = false;
  bool abandoned_ = false;  // on strand_
  std::optional<std::stop_callback<Abandon>> on_abandon_;
};

PeerRelay::PeerRelay(asio::io_context& ioc, Options options)
    : ioc_(ioc), options_(options), pool_(std::make_shared<Pool>()) {}

PeerRelay::~PeerRelay() = default;

void PeerRelay::send(const std::string& address, Request request, Done done,
                     std::stop_token abandoned) {
  std::make_shared<Exchange>(ioc_, options_, pool_, address, std::move(request), std::move(done))
      ->start(std::move(abandoned));
}

}  // namespace wasmlet::server
