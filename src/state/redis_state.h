#pragma once
// The Redis backend of the global state tier: several hosts share one Redis server. Values,
// appended lists and locks live under per-user key prefixes (scheme in docs/state.md); locks are
// Lua scripts so each acquisition is atomic on the server and expires on the server's clock.
#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "state/global_state.h"
#include "state/redis_client.h"

namespace wasmlet::state {

class RedisState final : public GlobalState {
 public:
  // url: "redis://HOST[:PORT]" (PORT defaults to 6379; an IPv6 HOST goes in brackets). Throws
  // wasmlet::Error for a malformed URL. Does not connect: the first call does, so a Redis that
  // starts later is fine; call ping() to check reachability up front.
  explicit RedisState(const std::string& url, RedisOptions options = {});
  ~RedisState() override;
  RedisState(const RedisState&) = delete;
  RedisState& operator=(const RedisState&) = delete;

  // "HOST:PORT", as named in error messages.
  const std::string& address() const { return client_.address(); }
  // Throws StateUnavailable unless the server answers PING.
  void ping();

  std::optional<std::string> get(const std::string& user, const std::string& key) override;
  void put(const std::string& user, const std::string& key, std::string value) override;
  size_t size(const std::string& user, const std::string& key) override;
  void remove(const std::string& user, const std::string& key) override;
  std::vector<KeyInfo> list(const std::string& user, size_t limit) override;
  std::string get_range(const std::string& user, const std::string& key, size_t offset,
                        size_t length) override;
  void put_range(const std::string& user, const std::string& key, size_t offset,
                 std::string_view data) override;
  void append(const std::string& user, const std::string& key, std::string_view element) override;
  std::vector<std::string> read_appended(const std::string& user, const std::string& key,
                                         size_t count) override;
  void clear_appended(const std::string& user, const std::string& key) override;
  bool try_lock(const std::string& user, const std::string& key, LockMode mode,
                const std::string& owner, std::chrono::milliseconds ttl) override;
  void unlock(const std::string& user, const std::string& key, LockMode mode,
              const std::string& owner) override;
  bool renew(const std::string& user, const std::string& key, LockMode mode,
             const std::string& owner, std::chrono::milliseconds ttl) override;
  bool shared_across_hosts() const override { return true; }

 private:
  RedisClient client_;
};

}  // namespace wasmlet::state
