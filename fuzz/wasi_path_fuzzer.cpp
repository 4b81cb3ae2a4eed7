// libFuzzer target: WASI path resolution (host/wasi/capability_fs) against a real directory
// tree whose symbolic links lead out of it (relative, absolute, through ".."). A guest path is
// checked (guest_path), matched against the preopened directories (match_preopen, as
// __faasm_write_state_from_file does) and opened beneath one (open_beneath, open_parent, as
// every WASI path call does). Whatever the path, what gets opened lies inside the directory it
// was opened beneath, and open_parent's final component is a plain name.
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include <array>
#include <climits>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include "host/wasi/capability_fs.h"

namespace fs = std::filesystem;
using namespace wasmlet::host::wasi;

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

bool is_within(const fs::path& dir, const fs::path& p) {
  auto rel = p.lexically_relative(dir);
  return !rel.empty() && *rel.begin() != "..";
}

fs::path real_path_of(int fd) {
  std::array<char, PATH_MAX> buf{};
  ssize_t n = readlink(("/proc/self/fd/" + std::to_string(fd)).c_str(), buf.data(), buf.size());
  check(n > 0 && static_cast<size_t>(n) < buf.size());
  return fs::path(std::string(buf.data(), static_cast<size_t>(n)));
}

struct Preopen {
  std::string name;
  fs::path real;
  wasmlet::util::UniqueFd fd;
};

struct Tree {
  fs::path base;
  std::vector<Preopen> preopens;
  std::vector<std::string_view> names;

  Tree() {
    std::string tmpl = (fs::temp_directory_path() / "wasmlet-wasi-fuzz-XXXXXX").string();
    check(mkdtemp(tmpl.data()) != nullptr);
    base = tmpl;
    fs::path root = base / "root";
    fs::create_directories(root / "dir" / "sub");
    fs::create_directories(root / "tmp");
    fs::create_directories(base / "outside");
    std::ofstream(base / "outside" / "secret") << "secret";
    std::ofstream(root / "file") << "file";
    std::ofstream(root / "dir" / "sub" / "file") << "file";
    fs::create_directory_symlink("../outside", root / "out");
    fs::create_directory_symlink("/etc", root / "etc");
    fs::create_symlink("../outside/secret", root / "secret");
    fs::create_directory_symlink("..", root / "dir" / "up");
    fs::create_directory_symlink("sub", root / "dir" / "in");
    fs::create_directory_symlink("/proc/self/root", root / "magic");
    add("/", root);
    add("/tmp", root / "tmp");
    add("/data/", root / "dir");
    for (const auto& p : preopens) names.push_back(p.name);
  }
  ~Tree() {
    std::error_code ec;
    fs::remove_all(base, ec);
  }

  void add(std::string name, const fs::path& dir) {
    wasmlet::util::UniqueFd fd(open(dir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    check(fd.get() >= 0);
    preopens.push_back({std::move(name), fs::canonical(dir), std::move(fd)});
  }
};

constexpr std::array<int, 4> kFlags = {O_RDONLY, O_RDONLY | O_DIRECTORY, O_PATH,
                                       O_PATH | O_NOFOLLOW};

// What openat2 gave must lie beneath the directory it was opened beneath.
void check_beneath(const Preopen& dir, std::string_view path, int flags) {
  wasmlet::util::UniqueFd fd;
  if (open_beneath(dir.fd.get(), std::string(path), flags, 0, fd) == Errno::Success) {
    check(is_within(dir.real, real_path_of(fd.get())));
  }
  ParentDir parent;
  if (open_parent(dir.fd.get(), std::string(path), parent) == Errno::Success) {
    check(!parent.name.empty() && parent.name != "." && parent.name != "..");
    check(parent.name.find('/') == std::string::npos);
    check(is_within(dir.real, real_path_of(parent.dir.get())));
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const Tree tree;
  if (size == 0) return 0;
  const int flags = kFlags[data[0] % kFlags.size()];
  std::string_view raw(reinterpret_cast<const char*>(data) + 1, size - 1);

  std::string path;
  if (guest_path(raw, path) != Errno::Success) {
    check(raw.find('\0') != std::string_view::npos);
    return 0;
  }
  check(path == raw);

  // A guest's own path call: relative to a directory descriptor it holds (here the root).
  check_beneath(tree.preopens[0], path, flags);

  auto match = match_preopen(tree.names, path);
  auto at_boundary = [&](std::string_view name) {
    return path.starts_with(name) &&
           (path.size() == name.size() || name.back() == '/' || path[name.size()] == '/');
  };
  if (!match) {
    for (auto name : tree.names) check(!at_boundary(name));
    return 0;
  }
  std::string_view chosen = tree.names.at(match->index);
  check(at_boundary(chosen));
  for (auto name : tree.names) check(!at_boundary(name) || name.size() <= chosen.size());
  check(!match->rest.starts_with('/'));
  check(std::string_view(path).substr(chosen.size()).ends_with(match->rest));
  check_beneath(tree.preopens[match->index], match->rest, flags);
  return 0;
}
