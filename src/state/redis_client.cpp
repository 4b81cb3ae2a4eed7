#include "state/redis_client.h"

#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/time.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <utility>

#include "state/global_state.h"

namespace wasmlet::state {

namespace {

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

std::string reply_text(const redisReply& reply) {
  return reply.str == nullptr ? std::string() : std::string(reply.str, reply.len);
}

void RedisClient::ContextDeleter::operator()(redisContext* context) const { redisFree(context); }

RedisClient::RedisClient(const std::string& url, RedisOptions options) : options_(options) {
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

RedisClient::~RedisClient() = default;

RedisClient::ContextPtr RedisClient::connect() {
  ContextPtr context(
      redisConnectWithTimeout(host_.c_str(), port_, to_timeval(options_.connect_timeout)));
  if (!context) throw StateUnavailable(prefix() + "cannot connect: out of memory");
  if (context->err != 0) throw StateUnavailable(prefix() + "cannot connect: " + context->errstr);
  if (redisSetTimeout(context.get(), to_timeval(options_.command_timeout)) != REDIS_OK) {
    throw StateUnavailable(prefix() + "cannot set the command timeout: " + context->errstr);
  }
  return context;
}

RedisClient::ContextPtr RedisClient::checkout() {
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

void RedisClient::give_back(ContextPtr context) {
  util::MutexLock lock(pool_mutex_);
  if (idle_.size() < options_.max_idle_connections) idle_.push_back(std::move(context));
}

void RedisClient::ping() { lease().expect({"PING"}, {REDIS_REPLY_STATUS}); }

RedisClient::Lease::~Lease() {
  if (context_ && context_->err == 0) client_.give_back(std::move(context_));
}

RedisReply RedisClient::Lease::call(std::span<const std::string_view> argv) {
  std::vector<const char*> pointers;
  std::vector<size_t> lengths;
  pointers.reserve(argv.size());
  lengths.reserve(argv.size());
  for (std::string_view arg : argv) {
    pointers.push_back(arg.empty() ? "" : arg.data());
    lengths.push_back(arg.size());
  }
  RedisReply reply;
  {
    SigpipeGuard guard;
    reply.reset(static_cast<redisReply*>(redisCommandArgv(
        context_.get(), static_cast<int>(argv.size()), pointers.data(), lengths.data())));
  }
  if (!reply) throw StateUnavailable(failure(argv.front()));
  return reply;
}

RedisReply RedisClient::Lease::expect(std::span<const std::string_view> argv,
                                      std::initializer_list<int> types) {
  RedisReply reply = call(argv);
  check(*reply, argv.front(), types);
  return reply;
}

RedisReply RedisClient::Lease::eval(RedisScript& script,
                                    std::initializer_list<std::string_view> keys,
                                    std::initializer_list<std::string_view> args,
                                    std::initializer_list<int> types) {
  std::string sha;
  {
    util::MutexLock lock(script.mutex);
    sha = script.sha;
  }
  if (sha.empty()) {
    RedisReply loaded = expect({"SCRIPT", "LOAD", script.body}, {REDIS_REPLY_STRING});
    sha = reply_text(*loaded);
    util::MutexLock lock(script.mutex);
    script.sha = sha;
  }
  std::string numkeys = std::to_string(keys.size());
  std::vector<std::string_view> argv{"EVALSHA", sha, numkeys};
  argv.insert(argv.end(), keys.begin(), keys.end());
  argv.insert(argv.end(), args.begin(), args.end());
  RedisReply reply = call(argv);
  if (reply->type == REDIS_REPLY_ERROR && reply_text(*reply).starts_with("NOSCRIPT")) {
    argv[0] = "EVAL";
    argv[1] = script.body;
    reply = call(argv);
  }
  if (reply->type == REDIS_REPLY_ERROR) {
    throw StateUnavailable(client_.prefix() + std::string(script.name) +
                           " script answered an error: " + reply_text(*reply));
  }
  check(*reply, script.name, types);
  return reply;
}

void RedisClient::Lease::check(const redisReply& reply, std::string_view what,
                               std::initializer_list<int> types) const {
  if (reply.type == REDIS_REPLY_ERROR) {
    throw StateUnavailable(client_.prefix() + std::string(what) +
                           " answered an error: " + reply_text(reply));
  }
  if (std::find(types.begin(), types.end(), reply.type) == types.end()) {
    throw StateUnavailable(client_.prefix() + std::string(what) + " gave an unexpected " +
                           type_name(reply.type) + " reply");
  }
}

std::vector<std::pair<std::string, std::string>> RedisClient::Lease::field_pairs(
    const redisReply& array, std::string_view what) const {
  std::vector<std::pair<std::string, std::string>> pairs;
  pairs.reserve(array.elements / 2);
  for (size_t i = 0; i + 1 < array.elements; i += 2) {
    check(*array.element[i], what, {REDIS_REPLY_STRING});
    check(*array.element[i + 1], what, {REDIS_REPLY_STRING});
    pairs.emplace_back(reply_text(*array.element[i]), reply_text(*array.element[i + 1]));
  }
  return pairs;
}

std::string RedisClient::Lease::failure(std::string_view command) const {
  std::string why = context_->err != 0 ? context_->errstr : "no reply";
  // A blocking socket with SO_RCVTIMEO reports a timeout as EAGAIN.
  if (why == std::strerror(EAGAIN)) {
    why = "no reply within the command timeout of " +
          std::to_string(client_.options_.command_timeout.count()) + " ms";
  }
  return client_.prefix() + std::string(command) + " failed: " + why;
}

}  // namespace wasmlet::state
