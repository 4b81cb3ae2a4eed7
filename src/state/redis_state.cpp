#include "state/redis_state.h"

#include <hiredis/hiredis.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/time.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <climits>
#include <cstring>
#include <initializer_list>
#include <span>
#include <utility>

#include "state/redis_key.h"

namespace wasmlet::state {

namespace {

struct ReplyDeleter {
  void operator()(redisReply* reply) const { freeReplyObject(reply); }
};
using Reply = std::unique_ptr<redisReply, ReplyDeleter>;

timeval to_timeval(std::chrono::milliseconds ms) {
  auto count = std::max<std::chrono::milliseconds::rep>(ms.count(), 1);
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(count / 1000);
  tv.tv_usec = static_cast<suseconds_t>((count % 1000) * 1000);
  return tv;
}

// hiredis writes with write(2), so a server that vanishes mid-command raises SIGPIPE, which by
// default kills the whole runtime. Block it on this thread for the call and discard any that
// arrived, leaving the process's signal disposition alone.
class SigpipeGuard {
 public:
  SigpipeGuard() {
    sigemptyset(&pipe_);
    sigaddset(&pipe_, SIGPIPE);
    sigset_t old;
    pthread_sigmask(SIG_BLOCK, &pipe_, &old);
    was_blocked_ = sigismember(&old, SIGPIPE) == 1;
    sigset_t pending;
    sigpending(&pending);
    was_pending_ = sigismember(&pending, SIGPIPE) == 1;
  }
  ~SigpipeGuard() {
    if (!was_pending_) {
      sigset_t pending;
      sigpending(&pending);
      if (sigismember(&pending, SIGPIPE) == 1) {
        timespec zero{};
        sigtimedwait(&pipe_, nullptr, &zero);
      }
    }
    if (!was_blocked_) pthread_sigmask(SIG_UNBLOCK, &pipe_, nullptr);
  }
  SigpipeGuard(const SigpipeGuard&) = delete;
  SigpipeGuard& operator=(const SigpipeGuard&) = delete;

 private:
  sigset_t pipe_{};
  bool was_blocked_ = false;
  bool was_pending_ = false;
};

// A Lua script run with EVALSHA. Its SHA1 depends only on the text, so one cached digest serves
// every connection and server; a server that lost its script cache (restart, SCRIPT FLUSH)
// answers NOSCRIPT and gets the full text once via EVAL.
struct Script {
  std::string_view name;
  std::string_view body;
  util::Mutex mutex;
  std::string sha GUARDED_BY(mutex);
};

// KEYS: writer, readers. ARGV: owner, ttl ms. Readers are a sorted set scored by expiry, pruned
// here; the set itself expires with its longest-lived reader so abandoned locks leave nothing.
Script read_lock_script{
    "read lock",
    "local writer = redis.call('GET', KEYS[1])\n"
    "if writer and writer ~= ARGV[1] then return 0 end\n"
    // Expiry is judged by the server's clock, the one clock every host shares.
    "local t = redis.call('TIME')\n"
    "local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)\n"
    "local ttl = tonumber(ARGV[2])\n"
    "redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', string.format('%d', now))\n"
    "redis.call('ZADD', KEYS[2], string.format('%d', now + ttl), ARGV[1])\n"
    "if redis.call('PTTL', KEYS[2]) < ttl then redis.call('PEXPIRE', KEYS[2], ARGV[2]) end\n"
    "return 1\n",
    {},
    {}};

// KEYS: writer, readers. ARGV: owner, ttl ms. The writer key carries its own PX expiry; a
// reader may upgrade when it is the only live reader.
Script write_lock_script{
    "write lock",
    "local writer = redis.call('GET', KEYS[1])\n"
    "if writer and writer ~= ARGV[1] then return 0 end\n"
    // Expiry is judged by the server's clock, the one clock every host shares.
    "local t = redis.call('TIME')\n"
    "local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)\n"
    "redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', string.format('%d', now))\n"
    "local readers = redis.call('ZCARD', KEYS[2])\n"
    "if redis.call('ZSCORE', KEYS[2], ARGV[1]) then readers = readers - 1 end\n"
    "if readers > 0 then return 0 end\n"
    "redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])\n"
    "return 1\n",
    {},
    {}};

// KEYS: writer. ARGV: owner. Only the holder may release; a stale holder whose lock expired and
// was taken by someone else releases nothing.
Script write_unlock_script{"write unlock",
                           "if redis.call('GET', KEYS[1]) == ARGV[1] then\n"
                           "  redis.call('DEL', KEYS[1])\n"
                           "end\n"
                           "return 1\n",
                           {},
                           {}};

// KEYS: readers. ARGV: owner, ttl ms. Extends only a live entry of this owner: a renewal that
// arrives after the unlock (or after expiry) must not take the lock again.
Script read_renew_script{
    "read renew",
    "local t = redis.call('TIME')\n"
    "local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)\n"
    "local ttl = tonumber(ARGV[2])\n"
    "local expiry = redis.call('ZSCORE', KEYS[1], ARGV[1])\n"
    "if not expiry or tonumber(expiry) <= now then return 0 end\n"
    "redis.call('ZADD', KEYS[1], string.format('%d', now + ttl), ARGV[1])\n"
    "if redis.call('PTTL', KEYS[1]) < ttl then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end\n"
    "return 1\n",
    {},
    {}};

// KEYS: writer. ARGV: owner, ttl ms. Extends the write lock only while this owner holds it.
Script write_renew_script{"write renew",
                          "if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end\n"
                          "redis.call('PEXPIRE', KEYS[1], ARGV[2])\n"
                          "return 1\n",
                          {},
                          {}};

// KEYS: value. ARGV: offset. A zero-length write still creates the value and zero-fills it up to
// offset (the reference semantics); SETRANGE with an empty string would do neither.
Script touch_range_script{
    "empty range write",
    "local offset = tonumber(ARGV[1])\n"
    "if redis.call('EXISTS', KEYS[1]) == 0 then redis.call('SET', KEYS[1], '') end\n"
    "if offset > 0 and redis.call('STRLEN', KEYS[1]) < offset then\n"
    "  redis.call('SETRANGE', KEYS[1], offset - 1, string.char(0))\n"
    "end\n"
    "return 1\n",
    {},
    {}};

std::string reply_text(const redisReply& reply) {
  return reply.str == nullptr ? std::string() : std::string(reply.str, reply.len);
}

const char* type_name(int type) {
  switch (type) {
    case REDIS_REPLY_STRING:
      return "string";
    case REDIS_REPLY_ARRAY:
      return "array";
    case REDIS_REPLY_INTEGER:
      return "integer";
    case REDIS_REPLY_NIL:
      return "nil";
    case REDIS_REPLY_STATUS:
      return "status";
    case REDIS_REPLY_ERROR:
      return "error";
    default:
      return "unknown";
  }
}

[[noreturn]] void invalid_url(const std::string& url, std::string_view why) {
  throw Error("invalid Redis URL '" + url + "': " + std::string(why) +
              " (expected redis://HOST:PORT)");
}

}  // namespace

// A connection checked out of the pool for one call. It goes back on destruction unless it
// failed: hiredis marks a context unusable after any I/O error, so a broken one is dropped and
// the next call connects afresh.
class RedisState::Lease {
 public:
  explicit Lease(RedisState& state) : state_(state), context_(state.checkout()) {}
  ~Lease() {
    if (context_ && context_->err == 0) state_.give_back(std::move(context_));
  }
  Lease(const Lease&) = delete;
  Lease& operator=(const Lease&) = delete;

  // One command; error replies are returned, failures to talk to the server throw.
  Reply call(std::span<const std::string_view> argv) {
    std::vector<const char*> pointers;
    std::vector<size_t> lengths;
    pointers.reserve(argv.size());
    lengths.reserve(argv.size());
    for (std::string_view arg : argv) {
      pointers.push_back(arg.empty() ? "" : arg.data());
      lengths.push_back(arg.size());
    }
    Reply reply;
    {
      SigpipeGuard guard;
      reply.reset(static_cast<redisReply*>(redisCommandArgv(
          context_.get(), static_cast<int>(argv.size()), pointers.data(), lengths.data())));
    }
    if (!reply) throw StateUnavailable(failure(argv.front()));
    return reply;
  }

  Reply call(std::initializer_list<std::string_view> argv) {
    return call(std::span<const std::string_view>(argv.begin(), argv.size()));
  }

  // Like call, but throws StateUnavailable for an error reply or a reply of another type.
  Reply expect(std::initializer_list<std::string_view> argv, std::initializer_list<int> types) {
    Reply reply = call(argv);
    check(*reply, *argv.begin(), types);
    return reply;
  }

  Reply eval(Script& script, std::initializer_list<std::string_view> keys,
             std::initializer_list<std::string_view> args) {
    std::string sha;
    {
      util::MutexLock lock(script.mutex);
      sha = script.sha;
    }
    if (sha.empty()) {
      Reply loaded = expect({"SCRIPT", "LOAD", script.body}, {REDIS_REPLY_STRING});
      sha = reply_text(*loaded);
      util::MutexLock lock(script.mutex);
      script.sha = sha;
    }
    std::string numkeys = std::to_string(keys.size());
    std::vector<std::string_view> argv{"EVALSHA", sha, numkeys};
    argv.insert(argv.end(), keys.begin(), keys.end());
    argv.insert(argv.end(), args.begin(), args.end());
    Reply reply = call(argv);
    if (reply->type == REDIS_REPLY_ERROR && reply_text(*reply).starts_with("NOSCRIPT")) {
      argv[0] = "EVAL";
      argv[1] = script.body;
      reply = call(argv);
    }
    if (reply->type == REDIS_REPLY_ERROR) {
      throw StateUnavailable(prefix() + std::string(script.name) +
                             " script answered an error: " + reply_text(*reply));
    }
    check(*reply, script.name, {REDIS_REPLY_INTEGER});
    return reply;
  }

  void check(const redisReply& reply, std::string_view what,
             std::initializer_list<int> types) const {
    if (reply.type == REDIS_REPLY_ERROR) {
      throw StateUnavailable(prefix() + std::string(what) +
                             " answered an error: " + reply_text(reply));
    }
    if (std::find(types.begin(), types.end(), reply.type) == types.end()) {
      throw StateUnavailable(prefix() + std::string(what) + " gave an unexpected " +
                             type_name(reply.type) + " reply");
    }
  }

 private:
  std::string prefix() const { return "Redis at " + state_.address_ + ": "; }

  std::string failure(std::string_view command) const {
    std::string why = context_->err != 0 ? context_->errstr : "no reply";
    // A blocking socket with SO_RCVTIMEO reports a timeout as EAGAIN.
    if (why == std::strerror(EAGAIN)) {
      why = "no reply within the command timeout of " +
            std::to_string(state_.options_.command_timeout.count()) + " ms";
    }
    return prefix() + std::string(command) + " failed: " + why;
  }

  RedisState& state_;
  ContextPtr context_;
};

void RedisState::ContextDeleter::operator()(redisContext* context) const { redisFree(context); }

RedisState::RedisState(const std::string& url, RedisOptions options) : options_(options) {
  constexpr std::string_view scheme = "redis://";
  if (!url.starts_with(scheme)) invalid_url(url, "it must start with redis://");
  std::string_view rest(url);
  rest.remove_prefix(scheme.size());
  if (rest.ends_with('/')) rest.remove_suffix(1);
  if (rest.find_first_of("/@?#") != std::string_view::npos) {
    invalid_url(url, "credentials, database paths and options are not supported");
  }
  std::string_view port_text;
  if (rest.starts_with('[')) {
    size_t close = rest.find(']');
    if (close == std::string_view::npos) invalid_url(url, "unterminated '[' in the host");
    host_ = std::string(rest.substr(1, close - 1));
    std::string_view after = rest.substr(close + 1);
    if (!after.empty()) {
      if (!after.starts_with(':')) invalid_url(url, "junk after the bracketed host");
      port_text = after.substr(1);
      if (port_text.empty()) invalid_url(url, "empty port");
    }
  } else {
    size_t colon = rest.find(':');
    host_ = std::string(rest.substr(0, colon));
    if (colon != std::string_view::npos) {
      port_text = rest.substr(colon + 1);
      if (port_text.find(':') != std::string_view::npos) {
        invalid_url(url, "an IPv6 host must be written in brackets");
      }
      if (port_text.empty()) invalid_url(url, "empty port");
    }
  }
  if (host_.empty()) invalid_url(url, "empty host");
  port_ = 6379;
  if (!port_text.empty()) {
    int port = 0;
    auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (ec != std::errc() || end != port_text.data() + port_text.size() || port < 1 ||
        port > 65535) {
      invalid_url(url, "port must be a number from 1 to 65535");
    }
    port_ = port;
  }
  bool ipv6 = host_.find(':') != std::string::npos;
  address_ = (ipv6 ? "[" + host_ + "]" : host_) + ":" + std::to_string(port_);
}

RedisState::~RedisState() = default;

RedisState::ContextPtr RedisState::connect() {
  ContextPtr context(
      redisConnectWithTimeout(host_.c_str(), port_, to_timeval(options_.connect_timeout)));
  if (!context) throw StateUnavailable("Redis at " + address_ + ": cannot connect: out of memory");
  if (context->err != 0) {
    throw StateUnavailable("Redis at " + address_ + ": cannot connect: " + context->errstr);
  }
  if (redisSetTimeout(context.get(), to_timeval(options_.command_timeout)) != REDIS_OK) {
    throw StateUnavailable("Redis at " + address_ +
                           ": cannot set the command timeout: " + context->errstr);
  }
  return context;
}

RedisState::ContextPtr RedisState::checkout() {
  for (;;) {
    ContextPtr context;
    {
      util::MutexLock lock(pool_mutex_);
      if (idle_.empty()) break;
      context = std::move(idle_.back());
      idle_.pop_back();
    }
    // An idle connection has nothing to read unless the server closed it (restart, idle
    // timeout); such a one would fail the call, so drop it and try the next.
    pollfd poll_fd{context->fd, POLLIN, 0};
    if (poll(&poll_fd, 1, 0) == 0) return context;
  }
  return connect();
}

void RedisState::give_back(ContextPtr context) {
  util::MutexLock lock(pool_mutex_);
  if (idle_.size() < options_.max_idle_connections) idle_.push_back(std::move(context));
}

void RedisState::ping() {
  Lease lease(*this);
  lease.expect({"PING"}, {REDIS_REPLY_STATUS});
}

std::optional<std::string> RedisState::get(const std::string& user, const std::string& key) {
  Lease lease(*this);
  Reply reply =
      lease.expect({"GET", redis_key('v', user, key)}, {REDIS_REPLY_STRING, REDIS_REPLY_NIL});
  if (reply->type == REDIS_REPLY_NIL) return std::nullopt;
  return reply_text(*reply);
}

void RedisState::put(const std::string& user, const std::string& key, std::string value) {
  Lease lease(*this);
  lease.expect({"SET", redis_key('v', user, key), value}, {REDIS_REPLY_STATUS});
}

size_t RedisState::size(const std::string& user, const std::string& key) {
  Lease lease(*this);
  Reply reply = lease.expect({"STRLEN", redis_key('v', user, key)}, {REDIS_REPLY_INTEGER});
  return static_cast<size_t>(reply->integer);
}

void RedisState::remove(const std::string& user, const std::string& key) {
  Lease lease(*this);
  lease.expect({"DEL", redis_key('v', user, key), redis_key('a', user, key)},
               {REDIS_REPLY_INTEGER});
}

std::vector<KeyInfo> RedisState::list(const std::string& user, size_t limit) {
  const std::string pattern = redis_key_pattern('v', user);
  const size_t prefix = redis_key('v', user, {}).size();
  std::vector<KeyInfo> keys;
  Lease lease(*this);
  std::string cursor = "0";
  do {
    Reply reply =
        lease.expect({"SCAN", cursor, "MATCH", pattern, "COUNT", "1000"}, {REDIS_REPLY_ARRAY});
    if (reply->elements != 2) {
      throw StateUnavailable("Redis answered SCAN with " + std::to_string(reply->elements) +
                             " elements, not 2");
    }
    lease.check(*reply->element[0], "SCAN", {REDIS_REPLY_STRING});
    lease.check(*reply->element[1], "SCAN", {REDIS_REPLY_ARRAY});
    cursor = reply_text(*reply->element[0]);
    const redisReply& found = *reply->element[1];
    for (size_t i = 0; i < found.elements && keys.size() < limit; ++i) {
      lease.check(*found.element[i], "SCAN", {REDIS_REPLY_STRING});
      std::string name = reply_text(*found.element[i]);
      Reply length = lease.expect({"STRLEN", name}, {REDIS_REPLY_INTEGER});
      keys.push_back({name.substr(prefix), static_cast<size_t>(length->integer)});
    }
  } while (cursor != "0" && keys.size() < limit);
  return keys;
}

std::string RedisState::get_range(const std::string& user, const std::string& key, size_t offset,
                                  size_t length) {
  constexpr auto max = static_cast<size_t>(LLONG_MAX);
  // Negative GETRANGE indices count from the end, so keep both bounds non-negative; no Redis
  // string reaches LLONG_MAX bytes, so anything starting there is past the end.
  if (length == 0 || offset >= max) return {};
  size_t last = offset + std::min(length, max - offset) - 1;  // GETRANGE's end is inclusive
  Lease lease(*this);
  Reply reply = lease.expect(
      {"GETRANGE", redis_key('v', user, key), std::to_string(offset), std::to_string(last)},
      {REDIS_REPLY_STRING});
  return reply_text(*reply);
}

void RedisState::put_range(const std::string& user, const std::string& key, size_t offset,
                           std::string_view data) {
  Lease lease(*this);
  if (data.empty()) {
    lease.eval(touch_range_script, {redis_key('v', user, key)}, {std::to_string(offset)});
    return;
  }
  lease.expect({"SETRANGE", redis_key('v', user, key), std::to_string(offset), data},
               {REDIS_REPLY_INTEGER});
}

void RedisState::append(const std::string& user, const std::string& key, std::string_view element) {
  Lease lease(*this);
  lease.expect({"RPUSH", redis_key('a', user, key), element}, {REDIS_REPLY_INTEGER});
}

std::vector<std::string> RedisState::read_appended(const std::string& user, const std::string& key,
                                                   size_t count) {
  if (count == 0) return {};
  // LRANGE's end is inclusive; -1 means the last element.
  std::string last =
      count > static_cast<size_t>(LLONG_MAX) ? std::string("-1") : std::to_string(count - 1);
  Lease lease(*this);
  Reply reply = lease.expect({"LRANGE", redis_key('a', user, key), "0", last}, {REDIS_REPLY_ARRAY});
  std::vector<std::string> out;
  out.reserve(reply->elements);
  for (size_t i = 0; i < reply->elements; ++i) {
    lease.check(*reply->element[i], "LRANGE", {REDIS_REPLY_STRING});
    out.push_back(reply_text(*reply->element[i]));
  }
  return out;
}

void RedisState::clear_appended(const std::string& user, const std::string& key) {
  Lease lease(*this);
  lease.expect({"DEL", redis_key('a', user, key)}, {REDIS_REPLY_INTEGER});
}

bool RedisState::try_lock(const std::string& user, const std::string& key, LockMode mode,
                          const std::string& owner, std::chrono::milliseconds ttl) {
  // PX needs at least 1 ms; a shorter ttl means "expires at once" either way.
  std::string ttl_ms = std::to_string(std::max<std::chrono::milliseconds::rep>(ttl.count(), 1));
  Script& script = mode == LockMode::Read ? read_lock_script : write_lock_script;
  Lease lease(*this);
  Reply reply =
      lease.eval(script, {redis_key('w', user, key), redis_key('r', user, key)}, {owner, ttl_ms});
  return reply->integer == 1;
}

void RedisState::unlock(const std::string& user, const std::string& key, LockMode mode,
                        const std::string& owner) {
  Lease lease(*this);
  if (mode == LockMode::Read) {
    lease.expect({"ZREM", redis_key('r', user, key), owner}, {REDIS_REPLY_INTEGER});
  } else {
    lease.eval(write_unlock_script, {redis_key('w', user, key)}, {owner});
  }
}

bool RedisState::renew(const std::string& user, const std::string& key, LockMode mode,
                       const std::string& owner, std::chrono::milliseconds ttl) {
  std::string ttl_ms = std::to_string(std::max<std::chrono::milliseconds::rep>(ttl.count(), 1));
  Lease lease(*this);
  Reply reply = mode == LockMode::Read
                    ? lease.eval(read_renew_script, {redis_key('r', user, key)}, {owner, ttl_ms})
                    : lease.eval(write_renew_script, {redis_key('w', user, key)}, {owner, ttl_ms});
  return reply->integer == 1;
}

}  // namespace wasmlet::state
