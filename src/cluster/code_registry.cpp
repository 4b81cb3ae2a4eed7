#include "cluster/code_registry.h"

#include <charconv>

#include "cluster/redis_keys.h"
#include "state/global_state.h"

namespace wasmlet::cluster {
namespace {

// MULTI ... EXEC: peers see the bytes, the index and the epoch change together. A command
// refused while queueing (e.g. out of memory) discards the transaction, so the connection goes
// back to its pool out of MULTI; a command that failed inside EXEC is an error too.
void transaction(state::RedisClient::Lease& lease,
                 std::initializer_list<std::initializer_list<std::string_view>> commands) {
  lease.expect({"MULTI"}, {REDIS_REPLY_STATUS});
  try {
    for (auto command : commands) lease.expect(command, {REDIS_REPLY_STATUS});  // QUEUED
  } catch (const state::StateUnavailable&) {
    lease.call({"DISCARD"});
    throw;
  }
  auto results = lease.expect({"EXEC"}, {REDIS_REPLY_ARRAY});
  for (size_t i = 0; i < results->elements; ++i) {
    if (results->element[i]->type == REDIS_REPLY_ERROR) {
      throw state::StateUnavailable("the cluster's code registry: a write failed in Redis: " +
                                    state::reply_text(*results->element[i]));
    }
  }
}

}  // namespace

void CodeRegistry::publish(const std::string& name, const CodeRecord& record) {
  auto lease = redis_.lease();
  std::string key = keys::object(space_, name);
  transaction(lease,
              {{"DEL", key},
               {"HSET", key, "kind", record.python ? "python" : "wasm", "version", record.version,
                "body", record.body, "entry", record.entry, "convention", record.convention},
               {"HSET", keys::index(space_), name, record.version},
               {"INCR", keys::epoch(space_)}});
}

void CodeRegistry::retract(const std::string& name) {
  auto lease = redis_.lease();
  transaction(lease, {{"DEL", keys::object(space_, name)},
                      {"HSET", keys::index(space_), name, kTombstone},
                      {"INCR", keys::epoch(space_)}});
}

int64_t CodeRegistry::epoch() {
  auto lease = redis_.lease();
  state::RedisReply reply =
      lease.expect({"GET", keys::epoch(space_)}, {REDIS_REPLY_STRING, REDIS_REPLY_NIL});
  if (reply->type == REDIS_REPLY_NIL) return 0;
  int64_t value = 0;
  std::string text = state::reply_text(*reply);
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) {
    throw state::StateUnavailable("the cluster's code epoch in Redis is not a number: " + text);
  }
  return value;
}

std::map<std::string, std::string> CodeRegistry::index() {
  auto lease = redis_.lease();
  state::RedisReply reply = lease.expect({"HGETALL", keys::index(space_)}, {REDIS_REPLY_ARRAY});
  std::map<std::string, std::string> entries;
  for (auto& [name, version] : lease.field_pairs(*reply, "HGETALL")) {
    entries[std::move(name)] = std::move(version);
  }
  return entries;
}

std::optional<CodeRecord> CodeRegistry::fetch(const std::string& name) {
  auto lease = redis_.lease();
  state::RedisReply reply =
      lease.expect({"HGETALL", keys::object(space_, name)}, {REDIS_REPLY_ARRAY});
  if (reply->elements == 0) return std::nullopt;
  CodeRecord record;
  bool has_kind = false;
  for (auto& [field, value] : lease.field_pairs(*reply, "HGETALL")) {
    if (field == "kind") {
      record.python = value == "python";
      has_kind = true;
    } else if (field == "version") {
      record.version = std::move(value);
    } else if (field == "body") {
      record.body = std::move(value);
    } else if (field == "entry") {
      record.entry = std::move(value);
    } else if (field == "convention") {
      record.convention = std::move(value);
    }
  }
  if (!has_kind || record.version.empty()) return std::nullopt;
  return record;
}

}  // namespace wasmlet::cluster
