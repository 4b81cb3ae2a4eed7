#include "cluster/host_info.h"

#include <algorithm>
#include <nlohmann/json.hpp>

namespace wasmlet::cluster {

// Peers bound what they accept from Redis: a record is a few KiB; these keep a corrupt one
// from costing more than that.
constexpr size_t kMaxRecordBytes = 1 << 20;
constexpr size_t kMaxWarm = 4096;

bool HostInfo::is_warm(std::string_view function) const {
  return std::find(warm.begin(), warm.end(), function) != warm.end();
}

std::string to_json(const HostInfo& host) {
  nlohmann::json j{{"id", host.id},
                   {"address", host.address},
                   {"started_at", host.started_at},
                   {"executors", host.executors},
                   {"running", host.running},
                   {"queued", host.queued},
                   {"warm", host.warm}};
  return j.dump();
}

std::optional<HostInfo> host_info_from_json(std::string_view text) {
  if (text.size() > kMaxRecordBytes) return std::nullopt;
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (!j.is_object()) return std::nullopt;
  HostInfo host;
  auto string_field = [&](const char* name, std::string& out) {
    auto it = j.find(name);
    if (it == j.end() || !it->is_string()) return false;
    out = it->get<std::string>();
    return true;
  };
  auto count_field = [&](const char* name, uint64_t& out) {
    auto it = j.find(name);
    if (it == j.end() || !it->is_number_unsigned()) return false;
    out = it->get<uint64_t>();
    return true;
  };
  if (!string_field("id", host.id) || host.id.empty() || !string_field("address", host.address) ||
      !string_field("started_at", host.started_at) || !count_field("executors", host.executors) ||
      !count_field("running", host.running) || !count_field("queued", host.queued)) {
    return std::nullopt;
  }
  auto warm = j.find("warm");
  if (warm == j.end() || !warm->is_array() || warm->size() > kMaxWarm) return std::nullopt;
  for (const auto& name : *warm) {
    if (!name.is_string()) return std::nullopt;
    host.warm.push_back(name.get<std::string>());
  }
  return host;
}

}  // namespace wasmlet::cluster
