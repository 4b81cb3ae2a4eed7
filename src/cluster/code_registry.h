#pragma once
// The cluster's copy of every uploaded object of one kind, in Redis: the bytes as uploaded (a
// wasm module, a Python source file or package archive with how it is called, a workflow's
// definition), and an index from name to version that hosts compare with what they hold. A deleted
// function leaves a tombstone in the index, so a host that was down when it was deleted removes its
// copy instead of publishing it again.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "state/redis_client.h"

namespace wasmlet::cluster {

// An index entry's version of a deleted function.
inline constexpr std::string_view kTombstone = "-";

struct CodeRecord {
  bool python = false;
  std::string version;  // the upload's sha256
  std::string body;
  std::string entry;       // Python only: as asked at upload ("module:function", ...)
  std::string convention;  // Python only
};

class CodeRegistry {
 public:
  // `space` keeps one kind of object apart from others ("code", "workflows").
  CodeRegistry(state::RedisClient& redis, std::string space)
      : redis_(redis), space_(std::move(space)) {}

  // `name` is "user/function". Each throws state::StateUnavailable when Redis cannot be reached.
  void publish(const std::string& name, const CodeRecord& record);
  void retract(const std::string& name);
  // Bumped by every publish and retract: unchanged means there is nothing new to look at.
  int64_t epoch();
  std::map<std::string, std::string> index();
  // nullopt when the function was deleted (or replaced and deleted) meanwhile.
  std::optional<CodeRecord> fetch(const std::string& name);

 private:
  state::RedisClient& redis_;
  std::string space_;
};

}  // namespace wasmlet::cluster
