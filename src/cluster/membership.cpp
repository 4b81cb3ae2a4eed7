#include "cluster/membership.h"

#include <algorithm>

#include "cluster/redis_keys.h"

namespace wasmlet::cluster {

namespace {

// Removes a host from the set only if its record is still gone: a host that beat again since
// its record was read as expired stays listed. KEYS: the host's record, the set. ARGV: its id.
state::RedisScript prune_script{"prune",
                                R"lua(
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
return redis.call('SREM', KEYS[2], ARGV[1])
)lua",
                                {},
                                {}};

}  // namespace

void Membership::announce(const HostInfo& host, std::chrono::milliseconds ttl) {
  auto lease = redis_.lease();
  std::string key = keys::host(host.id);
  std::string ms = std::to_string(std::max<int64_t>(ttl.count(), 1));
  lease.expect({"SET", key, to_json(host), "PX", ms}, {REDIS_REPLY_STATUS});
  lease.expect({"SADD", keys::kHosts, host.id}, {REDIS_REPLY_INTEGER});
}

std::vector<HostInfo> Membership::hosts() {
  auto lease = redis_.lease();
  state::RedisReply ids = lease.expect({"SMEMBERS", keys::kHosts}, {REDIS_REPLY_ARRAY});
  if (ids->elements == 0) return {};
  std::vector<std::string> names, record_keys;
  for (size_t i = 0; i < ids->elements; ++i) {
    lease.check(*ids->element[i], "SMEMBERS", {REDIS_REPLY_STRING});
    names.push_back(state::reply_text(*ids->element[i]));
    record_keys.push_back(keys::host(names.back()));
  }
  std::vector<std::string_view> argv{"MGET"};
  argv.insert(argv.end(), record_keys.begin(), record_keys.end());
  state::RedisReply records = lease.expect(argv, {REDIS_REPLY_ARRAY});
  std::vector<HostInfo> hosts;
  for (size_t i = 0; i < records->elements && i < names.size(); ++i) {
    const redisReply& r = *records->element[i];
    std::optional<HostInfo> host;
    if (r.type == REDIS_REPLY_STRING) host = host_info_from_json(state::reply_text(r));
    if (host && host->id == names[i]) {
      hosts.push_back(std::move(*host));
    } else if (r.type == REDIS_REPLY_NIL) {
      prune_with(lease, names[i]);  // its record expired: the host stopped beating
    }
  }
  std::sort(hosts.begin(), hosts.end(),
            [](const HostInfo& a, const HostInfo& b) { return a.id < b.id; });
  return hosts;
}

bool Membership::prune(const std::string& host_id) {
  auto lease = redis_.lease();
  return prune_with(lease, host_id);
}

bool Membership::prune_with(state::RedisClient::Lease& lease, const std::string& host_id) {
  state::RedisReply removed =
      lease.eval(prune_script, {keys::host(host_id), keys::kHosts}, {host_id});
  lease.check(*removed, "prune", {REDIS_REPLY_INTEGER});
  return removed->integer == 1;
}

void Membership::leave(const std::string& host_id) {
  auto lease = redis_.lease();
  lease.expect({"DEL", keys::host(host_id)}, {REDIS_REPLY_INTEGER});
  lease.expect({"SREM", keys::kHosts, host_id}, {REDIS_REPLY_INTEGER});
}

}  // namespace wasmlet::cluster
