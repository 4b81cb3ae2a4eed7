#include "server/inline_standby.h"

#include <spdlog/spdlog.h>

namespace wasmlet::server {
namespace {

thread_local bool t_is_standby = false;

}  // namespace

InlineStandby::InlineStandby(boost::asio::io_context& ioc, size_t io_threads,
                             std::chrono::microseconds grace)
    : ioc_(ioc), io_threads_(std::max<size_t>(1, io_threads)), grace_(grace) {
  thread_ = std::thread([this] { run(); });
}

InlineStandby::~InlineStandby() {
  {
    util::MutexLock lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

bool InlineStandby::may_run_inline() { return !t_is_standby; }

InlineStandby::Scope::Scope(InlineStandby& standby) : standby_(standby) {
  standby_.entered_.fetch_add(1, std::memory_order_relaxed);
  // Sequentially consistent with the standby's announcement of its sleep: of the two, at least
  // one sees the other. Only the call that makes every I/O thread busy wakes the standby, and
  // only if it sleeps.
  size_t busy = standby_.busy_.fetch_add(1) + 1;
  if (busy >= standby_.io_threads_ && standby_.sleeping_.load()) {
    util::MutexLock lock(standby_.mutex_);
    standby_.wake_.notify_one();
  }
}

InlineStandby::Scope::~Scope() { standby_.busy_.fetch_sub(1); }

void InlineStandby::run() {
  t_is_standby = true;
  util::UniqueLock lock(mutex_);
  while (!stopping_) {
    if (!all_busy()) {
      sleeping_.store(true);
      // Checked again after announcing the sleep: a Scope that saw it not yet asleep was
      // counted before this look.
      if (!all_busy()) wake_.wait(lock);
      sleeping_.store(false);
      continue;
    }
    uint64_t seen = entered_.load(std::memory_order_relaxed);
    wake_.wait_for(lock, grace_);
    if (stopping_ || !all_busy() || entered_.load(std::memory_order_relaxed) != seen) continue;
    // The same calls have held every I/O thread for the whole grace period.
    lock.unlock();
    try {
      while (all_busy() && !ioc_.stopped()) ioc_.run_one_for(grace_);
    } catch (const std::exception& e) {
      spdlog::error("standby I/O thread: {}", e.what());
    }
    lock.lock();
  }
}

}  // namespace wasmlet::server
