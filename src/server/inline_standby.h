#pragma once
// I/O threads run short calls of warm functions themselves (no hand-off to an executor and
// back). A call predicted short can still run long; when every I/O thread is inside such a call
// for longer than a grace period, a standby thread serves connections until one comes back, so
// the server keeps answering (its own calls go through the executors).
#include <atomic>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <thread>

#include "util/mutex.h"

namespace wasmlet::server {

class InlineStandby {
 public:
  InlineStandby(boost::asio::io_context& ioc, size_t io_threads, std::chrono::microseconds grace);
  InlineStandby(const InlineStandby&) = delete;
  InlineStandby& operator=(const InlineStandby&) = delete;
  ~InlineStandby();  // stops and joins the standby thread

  // Whether this thread may run a call inline: not the standby thread, which must stay free.
  static bool may_run_inline();

  // Held by an I/O thread while it runs (or tries to run) a call inline.
  class Scope {
   public:
    explicit Scope(InlineStandby& standby);
    Scope(const Scope&) = delete;
    Scope& operator=(const Scope&) = delete;
    ~Scope();

   private:
    InlineStandby& standby_;
  };

 private:
  void run();
  bool all_busy() const { return busy_.load() >= io_threads_; }

  boost::asio::io_context& ioc_;
  const size_t io_threads_;
  const std::chrono::microseconds grace_;
  std::atomic<size_t> busy_{0};
  std::atomic<uint64_t> entered_{0};  // inline calls begun, to tell stuck ones from a stream
  std::atomic<bool> sleeping_{false};
  util::Mutex mutex_;
  util::CondVar wake_;
  bool stopping_ GUARDED_BY(mutex_) = false;
  std::thread thread_;  // last: it runs on the members above
};

}  // namespace wasmlet::server
