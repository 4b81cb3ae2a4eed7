#pragma once
// A pooled hiredis client for one Redis server: the plumbing the global state tier and the
// cluster share (URL parsing, connect and command timeouts, connections kept between calls,
// SIGPIPE kept away from the process, Lua scripts by digest).
#include <hiredis/hiredis.h>

#include <chrono>
#include <cstddef>
#include <initializer_list>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "util/mutex.h"

namespace wasmlet::state {

struct RedisOptions {
  // Bounds a connect to a host that does not answer (a refused connect fails at once).
  std::chrono::milliseconds connect_timeout{1000};
  // Bounds each command's send and reply, so a hung server fails a call instead of blocking it.
  std::chrono::milliseconds command_timeout{1000};
  // Connections kept open between calls; calls beyond this open extra connections for a while.
  size_t max_idle_connections = 16;
};

struct RedisReplyDeleter {
  void operator()(redisReply* reply) const { freeReplyObject(reply); }
};
using RedisReply = std::unique_ptr<redisReply, RedisReplyDeleter>;

std::string reply_text(const redisReply& reply);

// A Lua script run with EVALSHA. Its SHA1 depends only on the text, so one cached digest serves
// every connection and server; a server that lost its script cache (restart, SCRIPT FLUSH)
// answers NOSCRIPT and gets the full text once via EVAL.
struct RedisScript {
  std::string_view name;
  std::string_view body;
  util::Mutex mutex;
  std::string sha GUARDED_BY(mutex);
};

class RedisClient {
  struct ContextDeleter {
    void operator()(redisContext* context) const;
  };
  using ContextPtr = std::unique_ptr<redisContext, ContextDeleter>;

 public:
  // url: "redis://HOST[:PORT]" (PORT defaults to 6379; an IPv6 HOST goes in brackets). Throws
  // wasmlet::Error for a malformed URL. Does not connect: the first call does, so a Redis that
  // starts later is fine.
  explicit RedisClient(const std::string& url, RedisOptions options = {});
  RedisClient(const RedisClient&) = delete;
  RedisClient& operator=(const RedisClient&) = delete;
  ~RedisClient();

  // "HOST:PORT", as named in error messages.
  const std::string& address() const { return address_; }

  // A connection checked out of the pool for one operation. It goes back on destruction unless
  // it failed: hiredis marks a context unusable after any I/O error, so a broken one is dropped
  // and the next operation connects afresh. Failures to reach the server throw
  // StateUnavailable.
  class Lease {
   public:
    explicit Lease(RedisClient& client) : client_(client), context_(client.checkout()) {}
    ~Lease();
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;

    // One command; error replies are returned.
    RedisReply call(std::span<const std::string_view> argv);
    RedisReply call(std::initializer_list<std::string_view> argv) {
      return call(std::span<const std::string_view>(argv.begin(), argv.size()));
    }
    // Like call, but throws StateUnavailable for an error reply or a reply of another type.
    RedisReply expect(std::span<const std::string_view> argv, std::initializer_list<int> types);
    RedisReply expect(std::initializer_list<std::string_view> argv,
                      std::initializer_list<int> types) {
      return expect(std::span<const std::string_view>(argv.begin(), argv.size()), types);
    }
    // Runs `script`; its reply must be of one of `types`.
    RedisReply eval(RedisScript& script, std::initializer_list<std::string_view> keys,
                    std::initializer_list<std::string_view> args,
                    std::initializer_list<int> types = {REDIS_REPLY_INTEGER});
    void check(const redisReply& reply, std::string_view what,
               std::initializer_list<int> types) const;
    // The name/value pairs of a flat array reply (HGETALL, a stream entry's fields); throws
    // StateUnavailable when an element is not a string.
    std::vector<std::pair<std::string, std::string>> field_pairs(const redisReply& array,
                                                                 std::string_view what) const;

   private:
    std::string failure(std::string_view command) const;

    RedisClient& client_;
    ContextPtr context_;
  };

  Lease lease() { return Lease(*this); }
  // Throws StateUnavailable unless the server answers PING.
  void ping();

 private:
  ContextPtr connect();
  ContextPtr checkout();
  void give_back(ContextPtr context);
  std::string prefix() const { return "Redis at " + address_ + ": "; }

  std::string host_;
  int port_ = 0;
  std::string address_;
  RedisOptions options_;

  util::Mutex pool_mutex_;
  std::vector<ContextPtr> idle_ GUARDED_BY(pool_mutex_);
};

}  // namespace wasmlet::state
