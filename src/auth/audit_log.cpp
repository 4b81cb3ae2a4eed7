#include "auth/audit_log.h"

#include <spdlog/spdlog.h>

#include <cstdint>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace wasmlet::auth {

namespace {

using Clock = std::chrono::steady_clock;
constexpr uint64_t kRefusedPerSecond = 100;

// The "refused" lines of the current second, and how many were dropped in it.
class FloodBound {
 public:
  void set_clock(std::function<Clock::time_point()> now) {
    std::lock_guard lock(mutex_);
    now_ = std::move(now);
    second_ = -1;
    written_ = 0;
    suppressed_ = 0;
  }

  struct Verdict {
    bool write = true;
    uint64_t suppressed_before = 0;  // dropped in a second that has ended: report them
  };

  Verdict check(bool refused) {
    std::lock_guard lock(mutex_);
    Clock::time_point t = now_ ? now_() : Clock::now();
    int64_t second = std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
    Verdict v;
    if (second != second_) {
      v.suppressed_before = suppressed_;
      second_ = second;
      written_ = 0;
      suppressed_ = 0;
    }
    if (!refused) return v;
    if (written_ < kRefusedPerSecond) {
      ++written_;
    } else {
      ++suppressed_;
      v.write = false;
    }
    return v;
  }

 private:
  std::mutex mutex_;
  std::function<Clock::time_point()> now_;
  int64_t second_ = -1;
  uint64_t written_ = 0;
  uint64_t suppressed_ = 0;
};

FloodBound& flood_bound() {
  static FloodBound bound;
  return bound;
}

// The "audit" logger: one a deployment (or a test) registered, else one made on first use
// that writes where the default logger writes.
std::shared_ptr<spdlog::logger> audit_logger() {
  static std::mutex mutex;
  std::lock_guard lock(mutex);
  if (auto logger = spdlog::get("audit")) return logger;
  const auto& sinks = spdlog::default_logger()->sinks();
  auto logger = std::make_shared<spdlog::logger>("audit", sinks.begin(), sinks.end());
  logger->set_level(spdlog::level::info);
  spdlog::register_logger(logger);
  return logger;
}

void write(const nlohmann::json& line) {
  // Client-supplied text may be any bytes: invalid UTF-8 is replaced, never an exception.
  audit_logger()->info(line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

}  // namespace

void audit(const AuditEvent& e) {
  FloodBound::Verdict v = flood_bound().check(e.event == "refused");
  if (v.suppressed_before > 0) {
    write({{"audit", "refused_suppressed"}, {"count", v.suppressed_before}});
  }
  if (!v.write) return;
  nlohmann::json line = {{"audit", e.event},
                         {"tenant", e.tenant},
                         {"action", e.action},
                         {"object", e.object},
                         {"outcome", e.outcome}};
  if (e.status != 0) line["status"] = e.status;
  if (!e.remote.empty()) line["remote"] = e.remote;
  write(line);
}

void set_audit_clock(std::function<Clock::time_point()> now) {
  flood_bound().set_clock(std::move(now));
}

}  // namespace wasmlet::auth
