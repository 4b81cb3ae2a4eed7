#pragma once
// Accepts connections and starts a Session for each.
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <chrono>
#include <memory>

#include "server/server_core.h"

namespace wasmlet::server {

class Listener : public std::enable_shared_from_this<Listener> {
 public:
  // Binds and listens; throws Error when it cannot.
  Listener(boost::asio::io_context& ioc, const boost::asio::ip::tcp::endpoint& endpoint,
           std::shared_ptr<ServerCore> core);

  boost::asio::ip::tcp::endpoint local_endpoint() const { return endpoint_; }
  void start();
  // Stops accepting; returns once the acceptor is closed. Not from an I/O thread.
  void stop();

 private:
  void accept();
  void on_accept(boost::system::error_code ec, boost::asio::ip::tcp::socket socket);

  boost::asio::io_context& ioc_;
  boost::asio::strand<boost::asio::io_context::executor_type> strand_;
  boost::asio::ip::tcp::acceptor acceptor_;
  boost::asio::steady_timer retry_timer_;
  boost::asio::ip::tcp::endpoint endpoint_;
  std::shared_ptr<ServerCore> core_;
  // Connections refused over the limit since the last log line (strand only).
  size_t refused_ = 0;
  std::chrono::steady_clock::time_point last_refusal_log_;
};

}  // namespace wasmlet::server
