#include "state/redis_state.h"

#include <climits>
#include <string>
#include <vector>

#include "state/redis_key.h"

namespace wasmlet::state {

namespace {

// KEYS: writer, readers. ARGV: owner, ttl ms. Readers are a sorted set scored by expiry, pruned
// here; the set itself expires with its longest-lived reader so abandoned locks leave nothing.
RedisScript read_lock_script{
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
RedisScript write_lock_script{
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
RedisScript write_unlock_script{"write unlock",
                                "if redis.call('GET', KEYS[1]) == ARGV[1] then\n"
                                "  redis.call('DEL', KEYS[1])\n"
                                "end\n"
                                "return 1\n",
                                {},
                                {}};

// KEYS: readers. ARGV: owner, ttl ms. Extends only a live entry of this owner: a renewal that
// arrives after the unlock (or after expiry) must not take the lock again.
RedisScript read_renew_script{
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
RedisScript write_renew_script{"write renew",
                               "if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end\n"
                               "redis.call('PEXPIRE', KEYS[1], ARGV[2])\n"
                               "return 1\n",
                               {},
                               {}};

// KEYS: value. ARGV: offset. A zero-length write still creates the value and zero-fills it up to
// offset (the reference semantics); SETRANGE with an empty string would do neither.
RedisScript touch_range_script{
    "empty range write",
    "local offset = tonumber(ARGV[1])\n"
    "if redis.call('EXISTS', KEYS[1]) == 0 then redis.call('SET', KEYS[1], '') end\n"
    "if offset > 0 and redis.call('STRLEN', KEYS[1]) < offset then\n"
    "  redis.call('SETRANGE', KEYS[1], offset - 1, string.char(0))\n"
    "end\n"
    "return 1\n",
    {},
    {}};

}  // namespace

RedisState::RedisState(const std::string& url, RedisOptions options) : client_(url, options) {}

RedisState::~RedisState() = default;

void RedisState::ping() { client_.ping(); }

std::optional<std::string> RedisState::get(const std::string& user, const std::string& key) {
  auto lease = client_.lease();
  RedisReply reply =
      lease.expect({"GET", redis_key('v', user, key)}, {REDIS_REPLY_STRING, REDIS_REPLY_NIL});
  if (reply->type == REDIS_REPLY_NIL) return std::nullopt;
  return reply_text(*reply);
}

void RedisState::put(const std::string& user, const std::string& key, std::string value) {
  auto lease = client_.lease();
  lease.expect({"SET", redis_key('v', user, key), value}, {REDIS_REPLY_STATUS});
}

size_t RedisState::size(const std::string& user, const std::string& key) {
  auto lease = client_.lease();
  RedisReply reply = lease.expect({"STRLEN", redis_key('v', user, key)}, {REDIS_REPLY_INTEGER});
  return static_cast<size_t>(reply->integer);
}

void RedisState::remove(const std::string& user, const std::string& key) {
  auto lease = client_.lease();
  lease.expect({"DEL", redis_key('v', user, key), redis_key('a', user, key)},
               {REDIS_REPLY_INTEGER});
}

std::vector<KeyInfo> RedisState::list(const std::string& user, size_t limit) {
  const std::string pattern = redis_key_pattern('v', user);
  const size_t prefix = redis_key('v', user, {}).size();
  std::vector<KeyInfo> keys;
  auto lease = client_.lease();
  std::string cursor = "0";
  do {
    RedisReply reply =
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
      RedisReply length = lease.expect({"STRLEN", name}, {REDIS_REPLY_INTEGER});
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
  auto lease = client_.lease();
  RedisReply reply = lease.expect(
      {"GETRANGE", redis_key('v', user, key), std::to_string(offset), std::to_string(last)},
      {REDIS_REPLY_STRING});
  return reply_text(*reply);
}

void RedisState::put_range(const std::string& user, const std::string& key, size_t offset,
                           std::string_view data) {
  auto lease = client_.lease();
  if (data.empty()) {
    lease.eval(touch_range_script, {redis_key('v', user, key)}, {std::to_string(offset)});
    return;
  }
  lease.expect({"SETRANGE", redis_key('v', user, key), std::to_string(offset), data},
               {REDIS_REPLY_INTEGER});
}

void RedisState::append(const std::string& user, const std::string& key, std::string_view element) {
  auto lease = client_.lease();
  lease.expect({"RPUSH", redis_key('a', user, key), element}, {REDIS_REPLY_INTEGER});
}

std::vector<std::string> RedisState::read_appended(const std::string& user, const std::string& key,
                                                   size_t count) {
  if (count == 0) return {};
  // LRANGE's end is inclusive; -1 means the last element.
  std::string last =
      count > static_cast<size_t>(LLONG_MAX) ? std::string("-1") : std::to_string(count - 1);
  auto lease = client_.lease();
  RedisReply reply =
      lease.expect({"LRANGE", redis_key('a', user, key), "0", last}, {REDIS_REPLY_ARRAY});
  std::vector<std::string> out;
  out.reserve(reply->elements);
  for (size_t i = 0; i < reply->elements; ++i) {
    lease.check(*reply->element[i], "LRANGE", {REDIS_REPLY_STRING});
    out.push_back(reply_text(*reply->element[i]));
  }
  return out;
}

void RedisState::clear_appended(const std::string& user, const std::string& key) {
  auto lease = client_.lease();
  lease.expect({"DEL", redis_key('a', user, key)}, {REDIS_REPLY_INTEGER});
}

bool RedisState::try_lock(const std::string& user, const std::string& key, LockMode mode,
                          const std::string& owner, std::chrono::milliseconds ttl) {
  // PX needs at least 1 ms; a shorter ttl means "expires at once" either way.
  std::string ttl_ms = std::to_string(std::max<std::chrono::milliseconds::rep>(ttl.count(), 1));
  RedisScript& script = mode == LockMode::Read ? read_lock_script : write_lock_script;
  auto lease = client_.lease();
  RedisReply reply =
      lease.eval(script, {redis_key('w', user, key), redis_key('r', user, key)}, {owner, ttl_ms});
  return reply->integer == 1;
}

void RedisState::unlock(const std::string& user, const std::string& key, LockMode mode,
                        const std::string& owner) {
  auto lease = client_.lease();
  if (mode == LockMode::Read) {
    lease.expect({"ZREM", redis_key('r', user, key), owner}, {REDIS_REPLY_INTEGER});
  } else {
    lease.eval(write_unlock_script, {redis_key('w', user, key)}, {owner});
  }
}

bool RedisState::renew(const std::string& user, const std::string& key, LockMode mode,
                       const std::string& owner, std::chrono::milliseconds ttl) {
  std::string ttl_ms = std::to_string(std::max<std::chrono::milliseconds::rep>(ttl.count(), 1));
  auto lease = client_.lease();
  RedisReply reply =
      mode == LockMode::Read
          ? lease.eval(read_renew_script, {redis_key('r', user, key)}, {owner, ttl_ms})
          : lease.eval(write_renew_script, {redis_key('w', user, key)}, {owner, ttl_ms});
  return reply->integer == 1;
}

}  // namespace wasmlet::state
