#pragma once
// The global state tier: values by user and key, shared by every function of the user. This is
// the in-process backend, the embedded default; the Redis backend and the local tier come with
// the state issue.
#include <cstddef>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <utility>

namespace wasmlet::state {

class GlobalState {
 public:
  virtual ~GlobalState() = default;
  virtual std::optional<std::string> get(const std::string& user, const std::string& key) = 0;
  virtual void put(const std::string& user, const std::string& key, std::string value) = 0;
};

class InMemoryState final : public GlobalState {
 public:
  std::optional<std::string> get(const std::string& user, const std::string& key) override;
  void put(const std::string& user, const std::string& key, std::string value) override;

 private:
  std::mutex mutex_;
  std::map<std::pair<std::string, std::string>, std::string> values_;
};

}  // namespace wasmlet::state
