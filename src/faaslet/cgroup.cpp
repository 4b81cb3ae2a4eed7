#include "faaslet/cgroup.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <charconv>
#include <optional>
#include <system_error>
#include <utility>
#include <vector>

#include "util/files.h"

namespace wasmlet::faaslet {
namespace {

namespace fs = std::filesystem;

constexpr uint32_t kMinWeight = 1;  // cgroup v2's range for cpu.weight
constexpr uint32_t kMaxWeight = 10000;
constexpr size_t kMaxTenantDirName = 200;  // well under NAME_MAX

std::atomic<uint64_t> next_manager_id{1};

// Where the calling thread was last placed, so enter() can skip a migration that would change
// nothing. Keyed by manager id, which is never reused, so a new manager never trusts it.
struct Placement {
  uint64_t manager = 0;
  std::string tenant;
  uint32_t weight = 0;
};
thread_local Placement placement;

std::string errno_text(int err) { return std::generic_category().message(err); }

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

std::vector<std::string_view> words(std::string_view s) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && is_space(s[i])) ++i;
    size_t j = i;
    while (j < s.size() && !is_space(s[j])) ++j;
    if (j > i) out.push_back(s.substr(i, j - i));
    i = j;
  }
  return out;
}

bool has_word(std::string_view list, std::string_view word) {
  for (auto w : words(list))
    if (w == word) return true;
  return false;
}

// Returns 0 or an errno value; the kernel's errno is what tells the reasons apart.
int read_control(const fs::path& path, std::string& out) {
  util::UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return errno;
  out.clear();
  char buf[4096];
  for (;;) {
    ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return errno;
    if (n == 0) return 0;
    out.append(buf, static_cast<size_t>(n));
  }
}

// Control files take one value per write(2), written in place: no temporary file and rename
// (cgroupfs cannot do that), no buffering that could split the value. Returns 0 or an errno.
int write_control(const fs::path& path, std::string_view value) {
  // O_CREAT is inert on cgroupfs, where every control file of a live cgroup already exists
  // (it refuses to create any other, with EACCES); it lets the file-protocol test use a plain
  // directory.
  util::UniqueFd fd(::open(path.c_str(), O_WRONLY | O_TRUNC | O_CREAT | O_CLOEXEC, 0644));
  if (!fd) {
    int err = errno;
    struct stat st {};
    if (err == EACCES && ::stat(path.c_str(), &st) != 0 && errno == ENOENT) return ENOENT;
    return err;
  }
  for (;;) {
    ssize_t n = ::write(fd.get(), value.data(), value.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return errno;
    return static_cast<size_t>(n) == value.size() ? 0 : EIO;
  }
}

// Hints for errors any step can meet; steps with their own meaning for an errno pass a hint.
std::string access_hint(int err) {
  if (err == EACCES || err == EPERM) return " (this process may not manage that cgroup)";
  if (err == EROFS) return " (cgroup2 is mounted read-only)";
  return "";
}

std::string cannot(std::string_view what, const fs::path& path, int err, std::string hint = {}) {
  if (hint.empty()) hint = access_hint(err);
  return fmt::format("cgroup v2: cannot {} {}: {}{}", what, path.string(), errno_text(err), hint);
}

std::string cannot_write(std::string_view value, const fs::path& path, int err,
                         std::string hint = {}) {
  return cannot(fmt::format("write \"{}\" to", value), path, err, std::move(hint));
}

// mountinfo escapes space, tab, newline and backslash as \ooo.
std::string unescape_mountinfo(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 3 < s.size() && s[i + 1] >= '0' && s[i + 1] <= '3') {
      int v = 0;
      auto [end, ec] = std::from_chars(s.data() + i + 1, s.data() + i + 4, v, 8);
      if (ec == std::errc() && end == s.data() + i + 4) {
        out.push_back(static_cast<char>(v));
        i += 3;
        continue;
      }
    }
    out.push_back(s[i]);
  }
  return out;
}

struct Mounts {
  std::vector<std::pair<std::string, fs::path>> cgroup2;  // (root inside the hierarchy, point)
  std::string cpu_v1;                                     // mount point of v1's cpu hierarchy
};

// Lines: "id parent maj:min root point options [optional...] - fstype source superoptions".
Mounts parse_mountinfo(std::string_view text) {
  Mounts m;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t eol = text.find('\n', pos);
    if (eol == std::string_view::npos) eol = text.size();
    auto f = words(text.substr(pos, eol - pos));
    pos = eol + 1;
    size_t sep = 6;
    while (sep < f.size() && f[sep] != "-") ++sep;
    if (f.size() < 5 || sep + 3 >= f.size()) continue;
    std::string_view fstype = f[sep + 1];
    if (fstype == "cgroup2") {
      m.cgroup2.emplace_back(unescape_mountinfo(f[3]), fs::path(unescape_mountinfo(f[4])));
    } else if (fstype == "cgroup" && m.cpu_v1.empty()) {
      std::string_view opts = f[sep + 3];
      size_t i = 0;
      while (i <= opts.size()) {
        size_t j = opts.find(',', i);
        if (j == std::string_view::npos) j = opts.size();
        if (opts.substr(i, j - i) == "cpu") m.cpu_v1 = unescape_mountinfo(f[4]);
        i = j + 1;
      }
    }
  }
  return m;
}

// "/a/b" relative to the mount's root "/a" is "/b"; nullopt when it lies outside.
std::optional<std::string> relative_to_root(const std::string& path, const std::string& root) {
  if (root == "/") return path;
  if (path == root) return std::string("/");
  if (path.size() > root.size() && path.compare(0, root.size(), root) == 0 &&
      path[root.size()] == '/')
    return path.substr(root.size());
  return std::nullopt;
}

// Moves every thread listed in dir/cgroup.threads into parent. A missing file means the
// cgroup is already gone, so there is nothing to move.
void evacuate(const fs::path& dir, const fs::path& parent) {
  std::string tids;
  int err = read_control(dir / "cgroup.threads", tids);
  if (err == ENOENT) return;
  if (err != 0) {
    spdlog::warn("{}", cannot("read", dir / "cgroup.threads", err));
    return;
  }
  for (auto tid : words(tids)) {
    // ESRCH: the thread exited between the read and the write.
    err = write_control(parent / "cgroup.threads", tid);
    if (err != 0 && err != ESRCH)
      spdlog::warn("{}", cannot_write(tid, parent / "cgroup.threads", err));
  }
}

void remove_cgroup(const fs::path& dir) {
  if (::rmdir(dir.c_str()) != 0 && errno != ENOENT)
    spdlog::warn("{}", cannot("remove", dir, errno));
}

// Undoes setup: tenants first (a cgroup with children cannot be removed), then our directory,
// then +cpu in the parent if we added it.
void teardown(const fs::path& parent, const fs::path& dir, bool cpu_enabled_by_us) {
  std::error_code ec;
  std::vector<fs::path> tenants;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    std::error_code type_ec;
    if (it->is_directory(type_ec)) tenants.push_back(it->path());
  }
  if (ec && ec != std::errc::no_such_file_or_directory)
    spdlog::warn("cgroup v2: cannot list {}: {}", dir.string(), ec.message());
  for (const auto& t : tenants) {
    evacuate(t, parent);
    remove_cgroup(t);
  }
  evacuate(dir, parent);
  remove_cgroup(dir);
  if (cpu_enabled_by_us) {
    // EBUSY: another child of the parent enabled cpu below it meanwhile and relies on it.
    int err = write_control(parent / "cgroup.subtree_control", "-cpu");
    if (err == EBUSY)
      spdlog::info("cgroup v2: left +cpu in {}: another cgroup below it still uses it",
                   (parent / "cgroup.subtree_control").string());
    else if (err != 0)
      spdlog::warn("{}", cannot_write("-cpu", parent / "cgroup.subtree_control", err));
  }
}

// Why the cpu controller cannot be used in `parent`, or "" when it can.
std::string cpu_controller_missing(const fs::path& parent, bool is_root,
                                   const std::string& cpu_v1_hint) {
  std::string controllers;
  if (int err = read_control(parent / "cgroup.controllers", controllers)) {
    return cannot("read", parent / "cgroup.controllers", err,
                  err == ENOENT ? " (not a cgroup v2 directory)" : "");
  }
  if (has_word(controllers, "cpu")) return {};
  std::string why = !cpu_v1_hint.empty() ? cpu_v1_hint
                    : is_root
                        ? std::string("the kernel offers none to cgroup v2")
                        : fmt::format("{} does not delegate it", parent.parent_path().string());
  std::string_view listed = trim(controllers);
  return fmt::format(
      "cgroup v2: the cpu controller is not available in {} ({}); cgroup v2 offers only: {}",
      parent.string(), why, listed.empty() ? std::string_view("nothing") : listed);
}

// Makes `dir` (a new child of `parent`) a threaded cgroup with +cpu for its children, enabling
// cpu in `parent` first when needed (`cpu_enabled_by_us` says so), and proves that threads can
// move in and out. Why it failed, or "" when it worked.
std::string make_threaded_cpu_cgroup(const fs::path& parent, const fs::path& dir,
                                     bool& cpu_enabled_by_us) {
  std::string subtree;
  if (int err = read_control(parent / "cgroup.subtree_control", subtree))
    return cannot("read", parent / "cgroup.subtree_control", err);
  if (!has_word(subtree, "cpu")) {
    // cpu is a threaded controller, so the kernel lets a cgroup that holds processes enable it
    // as long as that cgroup can become a threaded domain.
    if (int err = write_control(parent / "cgroup.subtree_control", "+cpu")) {
      return cannot_write(
          "+cpu", parent / "cgroup.subtree_control", err,
          err == EBUSY ? fmt::format(" (no-internal-process rule: {} holds processes and has "
                                     "populated domain children)",
                                     parent.string())
                       : "");
    }
    cpu_enabled_by_us = true;
  }

  if (int err = write_control(dir / "cgroup.type", "threaded")) {
    return cannot_write("threaded", dir / "cgroup.type", err,
                        err == EOPNOTSUPP
                            ? fmt::format(" ({} cannot become a threaded domain: it has domain "
                                          "controllers enabled or populated domain children)",
                                          parent.string())
                            : "");
  }
  if (int err = write_control(dir / "cgroup.subtree_control", "+cpu"))
    return cannot_write("+cpu", dir / "cgroup.subtree_control", err);

  // A round trip of the calling thread proves that migration works (it needs write access to
  // cgroup.threads of both ends and of their common ancestor, P), so that a refusal shows up
  // here, once, rather than in every enter().
  const std::string tid = std::to_string(::gettid());
  if (int err = write_control(dir / "cgroup.threads", tid))
    return cannot(fmt::format("move thread {} into", tid), dir, err);
  if (int err = write_control(parent / "cgroup.threads", tid))
    return cannot(fmt::format("move thread {} back into", tid), parent, err);
  return {};
}

// The process's cgroup from /proc/self/cgroup's "0::/..." line; nullopt when there is none.
std::optional<std::string> own_cgroup(const std::string& text) {
  std::optional<std::string> own;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t eol = text.find('\n', pos);
    if (eol == std::string::npos) eol = text.size();
    std::string_view line(text.data() + pos, eol - pos);
    if (line.substr(0, 3) == "0::") own = std::string(line.substr(3));
    pos = eol + 1;
  }
  if (!own || own->empty() || own->front() != '/') return std::nullopt;
  return own;
}

// Why the cpu controller may be missing from cgroup v2: /proc/cgroups ("name hierarchy
// num_cgroups enabled") lists it in a v1 hierarchy (not 0). "" when it does not.
std::string cpu_v1_hint(const Mounts& mounts) {
  std::string text, hint;
  if (read_control("/proc/cgroups", text) != 0) return hint;
  size_t p = 0;
  while (p < text.size()) {
    size_t eol = text.find('\n', p);
    if (eol == std::string::npos) eol = text.size();
    auto f = words(std::string_view(text).substr(p, eol - p));
    p = eol + 1;
    if (f.size() >= 2 && f[0] == "cpu" && f[1] != "0") {
      hint =
          mounts.cpu_v1.empty()
              ? std::string("it is bound to a cgroup v1 hierarchy")
              : fmt::format("it is bound to the cgroup v1 hierarchy mounted at {}", mounts.cpu_v1);
    }
  }
  return hint;
}

}  // namespace

CgroupManager::CgroupManager() : id_(next_manager_id++) {
  try {
    std::string text;
    if (int err = read_control("/proc/self/mountinfo", text)) {
      reason_ = cannot("read", "/proc/self/mountinfo", err);
      return;
    }
    Mounts mounts = parse_mountinfo(text);
    if (mounts.cgroup2.empty()) {
      reason_ = "cgroup v2: no cgroup2 file system is mounted (none in /proc/self/mountinfo)";
      return;
    }

    if (int err = read_control("/proc/self/cgroup", text)) {
      reason_ = cannot("read", "/proc/self/cgroup", err);
      return;
    }
    std::optional<std::string> own = own_cgroup(text);
    if (!own) {
      reason_ =
          "cgroup v2: /proc/self/cgroup has no \"0::/...\" line (the process is in no "
          "cgroup v2 hierarchy)";
      return;
    }

    std::optional<fs::path> mount;
    std::string rel;
    for (const auto& [root, point] : mounts.cgroup2) {
      if (auto r = relative_to_root(*own, root)) {
        mount = point;
        rel = *r;
        break;
      }
    }
    if (!mount) {
      reason_ = fmt::format(
          "cgroup v2: this process's cgroup {} lies outside every mounted cgroup2 sub-tree", *own);
      return;
    }

    setup(*mount, rel, cpu_v1_hint(mounts));
  } catch (const std::exception& e) {
    available_ = false;
    reason_ = fmt::format("cgroup v2: probing failed: {}", e.what());
  }
}

CgroupManager::CgroupManager(const std::filesystem::path& cgroup2_mount,
                             const std::string& process_cgroup)
    : id_(next_manager_id++) {
  try {
    setup(cgroup2_mount, process_cgroup, "");
  } catch (const std::exception& e) {
    available_ = false;
    reason_ = fmt::format("cgroup v2: probing failed: {}", e.what());
  }
}

CgroupManager::~CgroupManager() {
  if (!available_) return;
  try {
    util::MutexLock lock(mu_);
    teardown(process_dir_, dir_, enabled_cpu_in_parent_);
  } catch (const std::exception& e) {
    spdlog::warn("cgroup v2: removing {} failed: {}", dir_.string(), e.what());
  }
}

void CgroupManager::setup(const fs::path& mount, const std::string& process_cgroup,
                          const std::string& cpu_v1_hint) {
  std::string rel = process_cgroup;
  while (!rel.empty() && rel.front() == '/') rel.erase(0, 1);
  const bool is_root = rel.empty();
  const fs::path parent = is_root ? mount : mount / rel;
  reason_ = cpu_controller_missing(parent, is_root, cpu_v1_hint);
  if (!reason_.empty()) return;

  const uint64_t n = id_;
  const std::string name =
      n == 1 ? fmt::format("wasmlet-{}", ::getpid()) : fmt::format("wasmlet-{}-{}", ::getpid(), n);
  const fs::path dir = parent / name;
  // EEXIST: left behind by a crashed process that had our pid; it is ours to reuse.
  if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) {
    reason_ = cannot("create", dir, errno);
    return;
  }
  bool cpu_enabled_by_us = false;
  reason_ = make_threaded_cpu_cgroup(parent, dir, cpu_enabled_by_us);
  if (!reason_.empty()) {
    teardown(parent, dir, cpu_enabled_by_us);
    return;
  }
  process_dir_ = parent;
  dir_ = dir;
  enabled_cpu_in_parent_ = cpu_enabled_by_us;
  available_ = true;
}

std::string CgroupManager::tenant_dir_name(std::string_view tenant) {
  std::string out;
  for (char c : tenant) {
    bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                 c == '_' || c == '-';
    if (plain)
      out.push_back(c);
    else
      out += fmt::format("%{:02X}", static_cast<unsigned char>(c));
  }
  if (out.size() > kMaxTenantDirName) out.clear();
  return out;
}

// Returns an empty string on success, else the reason.
std::string CgroupManager::create_tenant(const std::string& tenant, uint32_t cpu_weight) {
  const std::string name = tenant_dir_name(tenant);
  if (name.empty()) {
    return fmt::format(
        "cgroup v2: tenant \"{}\" cannot name a cgroup (empty, or over {} bytes "
        "once escaped)",
        tenant, kMaxTenantDirName);
  }
  const fs::path t = dir_ / name;
  // EEXIST: left in a reused directory by a crashed process; reconfigured below.
  if (::mkdir(t.c_str(), 0755) != 0 && errno != EEXIST) return cannot("create", t, errno);
  // New children of a threaded cgroup start as "domain invalid" and hold no threads until
  // they are made threaded too.
  if (int err = write_control(t / "cgroup.type", "threaded")) {
    remove_cgroup(t);
    return cannot_write("threaded", t / "cgroup.type", err);
  }
  const std::string weight = std::to_string(cpu_weight);
  if (int err = write_control(t / "cpu.weight", weight)) {
    remove_cgroup(t);
    return cannot_write(weight, t / "cpu.weight", err);
  }
  return {};
}

bool CgroupManager::enter(const std::string& tenant, uint32_t cpu_weight) {
  if (!available_) return false;  // the reason was reported once, at start-up
  if (placement.manager == id_ && placement.tenant == tenant && placement.weight == cpu_weight)
    return true;
  if (cpu_weight < kMinWeight || cpu_weight > kMaxWeight) {
    spdlog::warn("cgroup v2: cpu weight {} for tenant \"{}\" is outside {}..{}; not applied",
                 cpu_weight, tenant, kMinWeight, kMaxWeight);
    return false;
  }

  fs::path target;
  {
    util::MutexLock lock(mu_);
    auto [it, inserted] = tenants_.try_emplace(tenant);
    Tenant& t = it->second;
    if (inserted) {
      t.error = create_tenant(tenant, cpu_weight);
      if (!t.error.empty()) {
        spdlog::warn("{}; tenant \"{}\" runs without its own cgroup", t.error, tenant);
        return false;
      }
      t.weight = cpu_weight;
    } else if (!t.error.empty()) {
      return false;  // logged when it first failed
    } else if (t.weight != cpu_weight) {
      const fs::path file = dir_ / tenant_dir_name(tenant) / "cpu.weight";
      const std::string weight = std::to_string(cpu_weight);
      if (int err = write_control(file, weight)) {
        spdlog::warn("{}", cannot_write(weight, file, err));
        return false;
      }
      t.weight = cpu_weight;
    }
    target = dir_ / tenant_dir_name(tenant);
  }

  const std::string tid = std::to_string(::gettid());
  if (int err = write_control(target / "cgroup.threads", tid)) {
    spdlog::warn("{}", cannot(fmt::format("move thread {} into", tid), target, err));
    return false;
  }
  placement = {id_, tenant, cpu_weight};
  return true;
}

}  // namespace wasmlet::faaslet
