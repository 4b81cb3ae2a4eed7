#include "server/server_core.h"

#include <boost/asio/ssl/context.hpp>

namespace wasmlet::server {

ServerCore::ServerCore(Router router, ServerConfig config,
                       std::unique_ptr<boost::asio::ssl::context> tls)
    : router_(std::move(router)),
      config_(std::move(config)),
      tls_(std::move(tls)),
      body_budget_(config_.max_body_memory) {}

ServerCore::~ServerCore() = default;

bool ServerCore::stopping() const {
  util::MutexLock lock(mutex_);
  return stopping_;
}

uint64_t ServerCore::add_session() {
  util::MutexLock lock(mutex_);
  uint64_t id = next_ticket_++;
  sessions_.emplace(id, std::weak_ptr<Connection>());
  return id;
}

bool ServerCore::attach_session(uint64_t ticket, std::weak_ptr<Connection> session) {
  util::MutexLock lock(mutex_);
  sessions_[ticket] = std::move(session);
  return !stopping_;
}

void ServerCore::remove_session(uint64_t ticket) {
  util::MutexLock lock(mutex_);
  sessions_.erase(ticket);
  if (sessions_.empty()) idle_cv_.notify_all();
}

size_t ServerCore::session_count() const {
  util::MutexLock lock(mutex_);
  return sessions_.size();
}

void ServerCore::begin_stop() {
  std::vector<std::shared_ptr<Connection>> live;
  {
    util::MutexLock lock(mutex_);
    stopping_ = true;
    for (auto& [id, weak] : sessions_) {
      if (auto s = weak.lock()) live.push_back(std::move(s));
    }
  }
  // Outside the lock: the last reference may be dropped here, and the destructor takes it.
  for (auto& s : live) s->close_when_idle();
}

void ServerCore::wait_for_sessions() {
  util::UniqueLock lock(mutex_);
  while (!sessions_.empty()) idle_cv_.wait(lock);
}

}  // namespace wasmlet::server
