#pragma once
// Per-tenant CPU weights for executor threads, with cgroup v2 threaded mode.
//
// Layout, where P is the cgroup the process runs in (from "0::P" in /proc/self/cgroup):
//   P/                             becomes a threaded domain (the kernel does this by itself)
//   P/wasmlet-<pid>/               threaded, +cpu in its cgroup.subtree_control
//   P/wasmlet-<pid>/<tenant>/      threaded, cpu.weight = the tenant's weight
// Threads move by writing their TID to cgroup.threads. The kernel allows that only between
// cgroups of one threaded domain, which is why our cgroups are threaded children of P: the
// process never moves, and threads that never call enter() stay in P.
//
// Where the machine does not allow this (no cgroup2 mount, the cpu controller held by cgroup
// v1 or not delegated, no write access, P cannot become a threaded domain), the manager is
// unavailable, unavailable_reason() says why in one line, and enter() does nothing. The
// caller logs that reason once at start-up; the manager does not repeat it.
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>

#include "util/mutex.h"

namespace wasmlet::faaslet {

class CgroupManager {
 public:
  // Probes this machine: /proc/self/mountinfo, /proc/self/cgroup and /proc/cgroups. Never
  // throws.
  CgroupManager();
  // Uses the given cgroup2 mount and process cgroup path ("/" or "/a/b") instead of /proc; for
  // tests against a directory laid out like cgroupfs. Never throws.
  CgroupManager(const std::filesystem::path& cgroup2_mount, const std::string& process_cgroup);
  // Moves threads still in our cgroups back to P, removes the cgroups, and takes +cpu out of
  // P's cgroup.subtree_control if this manager put it there. No enter() may run concurrently.
  ~CgroupManager();

  CgroupManager(const CgroupManager&) = delete;
  CgroupManager& operator=(const CgroupManager&) = delete;

  bool available() const { return available_; }
  const std::string& unavailable_reason() const { return reason_; }  // empty when available
  // P/wasmlet-<pid>[-<n>] when available, empty otherwise (-<n> for a second manager in the
  // same process).
  const std::filesystem::path& cgroup_dir() const { return dir_; }

  // Moves the calling thread into the tenant's cgroup (created on first use; cpu.weight is
  // rewritten when the weight changes). Returns false and leaves the thread where it is when
  // the manager is unavailable, the weight is outside cgroup v2's 1..10000, or the kernel
  // refuses; those last two are logged. Thread-safe. A thread already placed for this
  // tenant and weight returns at once, since each migration takes a kernel-wide lock.
  bool enter(const std::string& tenant, uint32_t cpu_weight = 100);

  // The directory name for a tenant: [A-Za-z0-9_-] as they are, every other byte as %XX, so
  // no name can contain '/' or '.' (all cgroupfs control files contain a '.'). Empty when the
  // tenant is empty or the escaped name is longer than 200 bytes.
  static std::string tenant_dir_name(std::string_view tenant);

 private:
  struct Tenant {
    std::string error;  // non-empty: creating its cgroup failed (logged once, not retried)
    uint32_t weight = 0;
  };

  void setup(const std::filesystem::path& mount, const std::string& process_cgroup,
             const std::string& cpu_v1_hint);
  std::string create_tenant(const std::string& tenant, uint32_t cpu_weight);

  const uint64_t id_;  // unique per instance, never reused
  bool available_ = false;
  std::string reason_;
  std::filesystem::path process_dir_;  // P under the mount
  std::filesystem::path dir_;          // P/wasmlet-<pid>[-<n>]
  bool enabled_cpu_in_parent_ = false;

  util::Mutex mu_;
  std::map<std::string, Tenant> tenants_ GUARDED_BY(mu_);
};

}  // namespace wasmlet::faaslet
