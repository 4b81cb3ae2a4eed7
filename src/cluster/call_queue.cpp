#include "cluster/call_queue.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <climits>

#include "cluster/redis_keys.h"
#include "state/global_state.h"

namespace wasmlet::cluster {
namespace {

constexpr std::string_view kGroup = "hosts";

// Checks both limits and queues the call, its record and its tenant's count in one step, so
// that concurrent hosts cannot overfill the queue between a check and an add.
// KEYS: stream, record, tenant counter. ARGV: limit, tenant limit, retention s, id, function,
// submitted ms, input, entry, depth, notify, tenant. Returns 0, or -1 (queue full) / -2 (tenant
// full).
state::RedisScript enqueue_script{"enqueue",
                                  R"lua(
if redis.call('XLEN', KEYS[1]) >= tonumber(ARGV[1]) then return -1 end
if tonumber(redis.call('GET', KEYS[3]) or '0') >= tonumber(ARGV[2]) then return -2 end
redis.call('HSET', KEYS[2], 'function', ARGV[5], 'status', 'queued', 'submitted_ms', ARGV[6],
           'tenant', ARGV[11])
redis.call('EXPIRE', KEYS[2], ARGV[3])
redis.call('XADD', KEYS[1], '*', 'id', ARGV[4], 'function', ARGV[5], 'input', ARGV[7],
           'entry', ARGV[8], 'depth', ARGV[9], 'notify', ARGV[10], 'tenant', ARGV[11])
redis.call('INCR', KEYS[3])
-- A count that lost its calls some other way (a stream deleted by hand) heals in time.
redis.call('EXPIRE', KEYS[3], ARGV[3])
return 0
)lua",
                                  {},
                                  {}};

// Acknowledges and deletes a finished call; only the first to delete it lowers its tenant's
// count (a call claimed and finished twice counts once). Tells the host that awaits it, if
// any. KEYS: stream, tenant counter, that host's list. ARGV: group, entry id, call id (""
// when no host awaits it), retention s.
state::RedisScript done_script{"done",
                               R"lua(
redis.call('XACK', KEYS[1], ARGV[1], ARGV[2])
if redis.call('XDEL', KEYS[1], ARGV[2]) == 1 and redis.call('DECR', KEYS[2]) <= 0 then
  redis.call('DEL', KEYS[2])
end
if ARGV[3] ~= '' then
  redis.call('RPUSH', KEYS[3], ARGV[3])
  redis.call('EXPIRE', KEYS[3], ARGV[4])
end
return 0
)lua",
                               {},
                               {}};

// Marks a call running on this host, with the whole record again and a fresh expiry (a call
// queued longer than the retention would otherwise start with its record gone), and returns
// why its caller asked for it to stop, or "". KEYS: record. ARGV: function, host, retention s,
// tenant.
state::RedisScript started_script{"started",
                                  R"lua(
redis.call('HSET', KEYS[1], 'function', ARGV[1], 'status', 'running', 'host', ARGV[2],
           'tenant', ARGV[4])
redis.call('EXPIRE', KEYS[1], ARGV[3])
return redis.call('HGET', KEYS[1], 'cancel') or ''
)lua",
                                  {},
                                  {}};

uint64_t number(std::string_view text) {
  uint64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) {
    throw state::StateUnavailable(fmt::format("the cluster's queue holds a bad number '{}'", text));
  }
  return value;
}

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string status_text(runtime::CallStatus s) { return std::string(call_status_name(s)); }

runtime::CallStatus status_of(std::string_view text) {
  if (text == "running") return runtime::CallStatus::Running;
  if (text == "succeeded") return runtime::CallStatus::Succeeded;
  if (text == "failed") return runtime::CallStatus::Failed;
  return runtime::CallStatus::Queued;
}

// "main", "export:NAME", "table:INDEX", "python:NAME".
std::string entry_text(const faaslet::EntryPoint& e) {
  switch (e.kind) {
    case faaslet::EntryPoint::Kind::Main:
      return "main";
    case faaslet::EntryPoint::Kind::Export:
      return "export:" + e.name;
    case faaslet::EntryPoint::Kind::TableIndex:
      return "table:" + std::to_string(e.index);
    case faaslet::EntryPoint::Kind::Python:
      return "python:" + e.name;
  }
  return "main";
}

faaslet::EntryPoint entry_of(std::string_view text) {
  if (text.starts_with("export:"))
    return faaslet::EntryPoint::exported(std::string(text.substr(7)));
  if (text.starts_with("python:")) return faaslet::EntryPoint::python(std::string(text.substr(7)));
  if (text.starts_with("table:")) {
    return faaslet::EntryPoint::table(static_cast<uint32_t>(number(text.substr(6))));
  }
  return faaslet::EntryPoint::main();
}

}  // namespace

CallQueue::CallQueue(state::RedisClient& redis, std::string host_id, QueueCapacity capacity,
                     std::chrono::seconds retention)
    : redis_(redis), host_id_(std::move(host_id)), capacity_(capacity), retention_(retention) {}

void CallQueue::ensure_group() {
  auto lease = redis_.lease();
  auto reply = lease.call({"XGROUP", "CREATE", keys::kCalls, kGroup, "0", "MKSTREAM"});
  if (reply->type == REDIS_REPLY_ERROR && !state::reply_text(*reply).starts_with("BUSYGROUP")) {
    lease.check(*reply, "XGROUP CREATE", {REDIS_REPLY_STATUS});
  }
}

uint64_t CallQueue::enqueue(const runtime::FunctionId& function, std::string_view tenant,
                            std::string_view input, const faaslet::EntryPoint& entry,
                            uint32_t depth, std::string_view notify) {
  uint64_t id = new_call_id();
  enqueue_as(id, function, tenant, input, entry, depth, notify);
  return id;
}

uint64_t CallQueue::new_call_id() {
  auto next = redis_.lease().expect({"INCR", keys::kCallIds}, {REDIS_REPLY_INTEGER});
  return kClusterCallIdBase + static_cast<uint64_t>(next->integer);
}

void CallQueue::enqueue_as(uint64_t id, const runtime::FunctionId& function,
                           std::string_view tenant, std::string_view input,
                           const faaslet::EntryPoint& entry, uint32_t depth,
                           std::string_view notify) {
  auto lease = redis_.lease();
  const std::string owner(tenant.empty() ? std::string_view(function.user) : tenant);
  const std::string id_text = std::to_string(id), name = function.str(),
                    limit = std::to_string(capacity_.total),
                    tenant_limit = std::to_string(capacity_.per_tenant),
                    retention = std::to_string(retention_.count()),
                    submitted = std::to_string(now_ms()), entry_name = entry_text(entry),
                    depth_text = std::to_string(depth);
  // The record goes in with the call, so the id answers a status query as soon as the client
  // has it.
  auto added =
      lease.eval(enqueue_script, {keys::kCalls, keys::call(id), keys::tenant_queued(owner)},
                 {limit, tenant_limit, retention, id_text, name, submitted, input, entry_name,
                  depth_text, notify, tenant});
  if (added->integer == -1) {
    throw ClusterQueueFull(
        fmt::format("the cluster's queue holds {} calls, its limit", capacity_.total));
  }
  if (added->integer == -2) {
    throw ClusterQueueFull(fmt::format("tenant {} has {} calls in the cluster's queue, its limit",
                                       owner, capacity_.per_tenant));
  }
}

std::vector<QueuedEntry> CallQueue::entries_of(state::RedisClient::Lease& lease,
                                               const redisReply& list) {
  std::vector<QueuedEntry> entries;
  for (size_t i = 0; i < list.elements; ++i) {
    const redisReply& e = *list.element[i];
    // A claimed entry deleted meanwhile comes back as its id with no fields.
    if (e.type != REDIS_REPLY_ARRAY || e.elements != 2 || e.element[1]->type != REDIS_REPLY_ARRAY) {
      continue;
    }
    lease.check(*e.element[0], "stream entry", {REDIS_REPLY_STRING});
    QueuedEntry entry;
    entry.entry_id = state::reply_text(*e.element[0]);
    const redisReply& fields = *e.element[1];
    std::string function;
    for (auto& [name, value] : lease.field_pairs(fields, "stream entry")) {
      if (name == "id") {
        entry.call_id = number(value);
      } else if (name == "function") {
        function = std::move(value);
      } else if (name == "input") {
        entry.input = std::move(value);
      } else if (name == "entry") {
        entry.entry = entry_of(value);
      } else if (name == "depth") {
        entry.depth = static_cast<uint32_t>(std::min<uint64_t>(number(value), UINT32_MAX));
      } else if (name == "notify") {
        entry.notify = std::move(value);
      } else if (name == "tenant") {
        entry.tenant = std::move(value);
      }
    }
    size_t slash = function.find('/');
    if (entry.call_id == 0 || slash == std::string::npos) continue;
    entry.function = runtime::make_function_id(std::string_view(function).substr(0, slash),
                                               std::string_view(function).substr(slash + 1));
    entries.push_back(std::move(entry));
  }
  return entries;
}

std::vector<QueuedEntry> CallQueue::take(size_t max, std::chrono::milliseconds block) {
  auto lease = redis_.lease();
  auto reply = lease.expect({"XREADGROUP", "GROUP", kGroup, host_id_, "COUNT", std::to_string(max),
                             "BLOCK", std::to_string(block.count()), "STREAMS", keys::kCalls, ">"},
                            {REDIS_REPLY_ARRAY, REDIS_REPLY_NIL});
  if (reply->type == REDIS_REPLY_NIL || reply->elements == 0) return {};
  const redisReply& stream = *reply->element[0];  // [name, entries]
  if (stream.type != REDIS_REPLY_ARRAY || stream.elements != 2) return {};
  return entries_of(lease, *stream.element[1]);
}

std::vector<QueuedEntry> CallQueue::take_own_pending(size_t max) {
  auto lease = redis_.lease();
  auto reply = lease.expect({"XREADGROUP", "GROUP", kGroup, host_id_, "COUNT", std::to_string(max),
                             "STREAMS", keys::kCalls, "0"},
                            {REDIS_REPLY_ARRAY, REDIS_REPLY_NIL});
  if (reply->type == REDIS_REPLY_NIL || reply->elements == 0) return {};
  const redisReply& stream = *reply->element[0];
  if (stream.type != REDIS_REPLY_ARRAY || stream.elements != 2) return {};
  return entries_of(lease, *stream.element[1]);
}

std::vector<QueuedEntry> CallQueue::claim_orphans(const std::set<std::string>& live, size_t max,
                                                  std::chrono::milliseconds min_idle) {
  auto lease = redis_.lease();
  auto consumers = lease.expect({"XINFO", "CONSUMERS", keys::kCalls, kGroup}, {REDIS_REPLY_ARRAY});
  std::vector<std::string> dead;
  for (size_t i = 0; i < consumers->elements; ++i) {
    const redisReply& c = *consumers->element[i];  // name, pending, idle, ... as pairs
    std::string name;
    uint64_t pending = 0;
    for (size_t f = 0; c.type == REDIS_REPLY_ARRAY && f + 1 < c.elements; f += 2) {
      std::string field = state::reply_text(*c.element[f]);
      if (field == "name") name = state::reply_text(*c.element[f + 1]);
      if (field == "pending" && c.element[f + 1]->type == REDIS_REPLY_INTEGER) {
        pending = static_cast<uint64_t>(c.element[f + 1]->integer);
      }
    }
    if (name.empty() || live.contains(name)) continue;
    if (pending == 0) {
      lease.expect({"XGROUP", "DELCONSUMER", keys::kCalls, kGroup, name}, {REDIS_REPLY_INTEGER});
    } else {
      dead.push_back(std::move(name));
    }
  }
  std::string idle = std::to_string(min_idle.count());
  std::vector<std::string> ids;
  for (const auto& name : dead) {
    if (ids.size() >= max) break;
    auto pending = lease.expect({"XPENDING", keys::kCalls, kGroup, "IDLE", idle, "-", "+",
                                 std::to_string(max - ids.size()), name},
                                {REDIS_REPLY_ARRAY});
    for (size_t i = 0; i < pending->elements; ++i) {
      const redisReply& p = *pending->element[i];  // [id, consumer, idle ms, deliveries]
      if (p.type == REDIS_REPLY_ARRAY && p.elements >= 1) {
        ids.push_back(state::reply_text(*p.element[0]));
      }
    }
  }
  if (ids.empty()) return {};
  std::vector<std::string_view> argv{"XCLAIM", keys::kCalls, kGroup, host_id_, idle};
  argv.insert(argv.end(), ids.begin(), ids.end());
  auto claimed = lease.expect(argv, {REDIS_REPLY_ARRAY});
  return entries_of(lease, *claimed);
}

std::string CallQueue::started(const QueuedEntry& entry) {
  auto lease = redis_.lease();
  auto reply =
      lease.eval(started_script, {keys::call(entry.call_id)},
                 {entry.function.str(), host_id_, std::to_string(retention_.count()), entry.tenant},
                 {REDIS_REPLY_STRING});
  return state::reply_text(*reply);
}

void CallQueue::finish(const QueuedEntry& entry, const runtime::CallRecord& r) {
  auto lease = redis_.lease();
  std::string key = keys::call(entry.call_id);
  lease.expect(
      {"HSET",
       key,
       "status",
       status_text(r.status),
       "return_code",
       std::to_string(r.return_code),
       "output",
       r.output,
       "stdout",
       r.stdout_text,
       "stderr",
       r.stderr_text,
       "error_kind",
       r.error_kind,
       "error_message",
       r.error_message,
       "queue_us",
       std::to_string(std::chrono::duration_cast<std::chrono::microseconds>(r.queue_time).count()),
       "run_us",
       std::to_string(std::chrono::duration_cast<std::chrono::microseconds>(r.run_time).count()),
       "host",
       host_id_},
      {REDIS_REPLY_INTEGER});
  lease.expect({"EXPIRE", key, std::to_string(retention_.count())}, {REDIS_REPLY_INTEGER});
  const std::string awaited = entry.notify.empty() ? "" : std::to_string(entry.call_id);
  lease.eval(done_script,
             {keys::kCalls, keys::tenant_queued(entry.owner()),
              keys::finished(entry.notify.empty() ? host_id_ : entry.notify)},
             {kGroup, entry.entry_id, awaited, std::to_string(retention_.count())});
}

std::vector<uint64_t> CallQueue::awaited_finished(std::chrono::milliseconds block) {
  const std::string list = keys::finished(host_id_);
  auto lease = redis_.lease();
  // BLPOP's timeout is in seconds; a fraction is allowed.
  auto first = lease.expect({"BLPOP", list, fmt::format("{:.3f}", block.count() / 1000.0)},
                            {REDIS_REPLY_ARRAY, REDIS_REPLY_NIL});
  if (first->type == REDIS_REPLY_NIL || first->elements != 2) return {};
  lease.check(*first->element[1], "BLPOP", {REDIS_REPLY_STRING});
  std::vector<uint64_t> ids{number(state::reply_text(*first->element[1]))};
  // The rest of what is there, in the same visit.
  auto rest = lease.expect({"LPOP", list, "256"}, {REDIS_REPLY_ARRAY, REDIS_REPLY_NIL});
  for (size_t i = 0; rest->type == REDIS_REPLY_ARRAY && i < rest->elements; ++i) {
    lease.check(*rest->element[i], "LPOP", {REDIS_REPLY_STRING});
    ids.push_back(number(state::reply_text(*rest->element[i])));
  }
  return ids;
}

std::vector<std::string> CallQueue::field_of_each(const std::vector<uint64_t>& ids,
                                                  std::string_view field) {
  if (ids.empty()) return {};
  std::vector<std::string> names;
  names.reserve(ids.size());
  for (uint64_t id : ids) names.push_back(keys::call(id));
  std::string count = std::to_string(ids.size());
  std::vector<std::string_view> argv{
      "EVAL",
      "local r = {}\n"
      "for i, k in ipairs(KEYS) do r[i] = redis.call('HGET', k, ARGV[1]) or '' end\n"
      "return r\n",
      count};
  argv.insert(argv.end(), names.begin(), names.end());
  argv.push_back(field);
  auto lease = redis_.lease();
  auto reply = lease.expect(argv, {REDIS_REPLY_ARRAY});
  std::vector<std::string> values;
  values.reserve(ids.size());
  for (size_t i = 0; i < reply->elements && i < ids.size(); ++i) {
    values.push_back(state::reply_text(*reply->element[i]));
  }
  return values;
}

std::vector<uint64_t> CallQueue::finished(const std::vector<uint64_t>& ids) {
  auto statuses = field_of_each(ids, "status");
  std::vector<uint64_t> done;
  for (size_t i = 0; i < statuses.size(); ++i) {
    if (statuses[i] == "succeeded" || statuses[i] == "failed") done.push_back(ids[i]);
  }
  return done;
}

void CallQueue::cancel(uint64_t call_id, std::string_view reason) {
  auto lease = redis_.lease();
  std::string key = keys::call(call_id);
  lease.expect({"HSET", key, "cancel", reason.empty() ? "cancelled" : reason},
               {REDIS_REPLY_INTEGER});
  lease.expect({"EXPIRE", key, std::to_string(retention_.count())}, {REDIS_REPLY_INTEGER});
}

std::vector<std::pair<uint64_t, std::string>> CallQueue::cancelled(
    const std::vector<uint64_t>& ids) {
  auto reasons = field_of_each(ids, "cancel");
  std::vector<std::pair<uint64_t, std::string>> stop;
  for (size_t i = 0; i < reasons.size(); ++i) {
    if (!reasons[i].empty()) stop.emplace_back(ids[i], std::move(reasons[i]));
  }
  return stop;
}

std::optional<runtime::CallRecord> CallQueue::record(uint64_t call_id) {
  auto lease = redis_.lease();
  auto reply = lease.expect({"HGETALL", keys::call(call_id)}, {REDIS_REPLY_ARRAY});
  if (reply->elements == 0) return std::nullopt;
  runtime::CallRecord r;
  r.id = call_id;
  for (auto& [name, value] : lease.field_pairs(*reply, "HGETALL")) {
    if (name == "function") {
      size_t slash = value.find('/');
      if (slash == std::string::npos) return std::nullopt;
      r.function = runtime::make_function_id(std::string_view(value).substr(0, slash),
                                             std::string_view(value).substr(slash + 1));
    } else if (name == "tenant") {
      r.tenant = std::move(value);
    } else if (name == "status") {
      r.status = status_of(value);
    } else if (name == "return_code") {
      int code = 0;
      std::from_chars(value.data(), value.data() + value.size(), code);
      r.return_code = code;
    } else if (name == "output") {
      r.output = std::move(value);
    } else if (name == "stdout") {
      r.stdout_text = std::move(value);
    } else if (name == "stderr") {
      r.stderr_text = std::move(value);
    } else if (name == "error_kind") {
      r.error_kind = std::move(value);
    } else if (name == "error_message") {
      r.error_message = std::move(value);
    } else if (name == "submitted_ms") {
      r.submitted_at = std::chrono::system_clock::time_point(
          std::chrono::milliseconds(static_cast<int64_t>(number(value))));
    } else if (name == "queue_us") {
      r.queue_time = std::chrono::microseconds(number(value));
    } else if (name == "run_us") {
      r.run_time = std::chrono::microseconds(number(value));
    }
  }
  return r;
}

}  // namespace wasmlet::cluster
