#pragma once
// The cluster's keys in Redis, all under one prefix so an operator can see and clear them
// together (docs/cluster.md lists them).
#include <cstdint>
#include <string>
#include <string_view>

namespace wasmlet::cluster::keys {

inline constexpr std::string_view kHosts = "wasmlet:cluster:hosts";     // set of host ids
inline constexpr std::string_view kCodeIndex = "wasmlet:cluster:code";  // hash: name -> version
inline constexpr std::string_view kCodeEpoch = "wasmlet:cluster:code-epoch";  // bumped per change
inline constexpr std::string_view kCalls = "wasmlet:cluster:calls";       // stream of async calls
inline constexpr std::string_view kCallIds = "wasmlet:cluster:call-ids";  // counter

inline std::string host(std::string_view id) { return "wasmlet:cluster:host:" + std::string(id); }
// A kind of replicated object ("code", "workflows"): its index (hash: name -> version), each
// object's record, and a counter bumped by every change.
inline std::string index(std::string_view space) { return "wasmlet:cluster:" + std::string(space); }
inline std::string object(std::string_view space, std::string_view name) {
  return "wasmlet:cluster:" + std::string(space) + ":" + std::string(name);
}
inline std::string epoch(std::string_view space) {
  return "wasmlet:cluster:" + std::string(space) + "-epoch";
}

inline std::string call(uint64_t id) { return "wasmlet:cluster:call:" + std::to_string(id); }
// List: ids of the calls a host awaits (spilled chained calls) that have finished.
inline std::string finished(std::string_view host) {
  return "wasmlet:cluster:finished:" + std::string(host);
}
// Counter: a tenant's calls in the queue (taken or not) that have not finished.
inline std::string tenant_queued(std::string_view tenant) {
  return "wasmlet:cluster:queued:" + std::string(tenant);
}

}  // namespace wasmlet::cluster::keys
