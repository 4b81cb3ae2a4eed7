#pragma once
// What a server's connections share: the router, the configuration, and the list of live
// sessions that graceful shutdown works through.
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>

#include "server/body_budget.h"
#include "server/router.h"
#include "server/server_config.h"
#include "util/mutex.h"

namespace boost::asio::ssl {
class context;
}

namespace wasmlet::server {

// What shutdown asks of a live connection, whatever its stream (plain or TLS).
class Connection {
 public:
  virtual ~Connection() = default;
  // From any thread: close now if waiting for a request, else after the current reply.
  virtual void close_when_idle() = 0;
};

class ServerCore {
 public:
  // `tls`: the context of the server's certificate for HTTPS; null for plain HTTP.
  ServerCore(Router router, ServerConfig config, std::unique_ptr<boost::asio::ssl::context> tls);
  ServerCore(const ServerCore&) = delete;
  ServerCore& operator=(const ServerCore&) = delete;
  ~ServerCore();

  const Router& router() const { return router_; }
  const ServerConfig& config() const { return config_; }
  boost::asio::ssl::context* tls() const { return tls_.get(); }
  BodyBudget& body_budget() { return body_budget_; }
  bool stopping() const;

  // Registers a session for its whole life (see SessionTicket); attach() names the object once
  // it is owned by a shared_ptr. attach() returns false when the server is stopping.
  uint64_t add_session();
  bool attach_session(uint64_t ticket, std::weak_ptr<Connection> session);
  void remove_session(uint64_t ticket);
  // Sessions alive now (registered and not yet destroyed).
  size_t session_count() const;

  // Refuses new work and asks every session to close once its current request is answered.
  void begin_stop();
  // Returns when no session is left.
  void wait_for_sessions();

 private:
  Router router_;
  ServerConfig config_;
  std::unique_ptr<boost::asio::ssl::context> tls_;
  BodyBudget body_budget_;
  mutable util::Mutex mutex_;
  util::CondVar idle_cv_;
  bool stopping_ GUARDED_BY(mutex_) = false;
  uint64_t next_ticket_ GUARDED_BY(mutex_) = 1;
  std::map<uint64_t, std::weak_ptr<Connection>> sessions_ GUARDED_BY(mutex_);
};

// A session's registration, released when the session is destroyed. Sessions hold it as their
// first member, so it goes last: after the socket, once nothing touches the I/O context.
class SessionTicket {
 public:
  explicit SessionTicket(std::shared_ptr<ServerCore> core)
      : core_(std::move(core)), id_(core_->add_session()) {}
  SessionTicket(const SessionTicket&) = delete;
  SessionTicket& operator=(const SessionTicket&) = delete;
  ~SessionTicket() { core_->remove_session(id_); }

  ServerCore& core() const { return *core_; }
  uint64_t id() const { return id_; }

 private:
  std::shared_ptr<ServerCore> core_;
  uint64_t id_;
};

}  // namespace wasmlet::server
