// libFuzzer target: the path a client names a shared file by (PUT/GET /file), resolved by
// server::resolve_shared_path against a real directory holding symbolic links that lead out of
// it (relative, absolute, and through a loop). A refusal is HttpError 400 and nothing else; an
// accepted path names a file lexically inside the directory, without "..", and its real
// location (links followed) is inside it too.
#include <stdlib.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

#include "server/replies.h"
#include "server/shared_files.h"

namespace fs = std::filesystem;

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

bool is_within(const fs::path& dir, const fs::path& p) {
  auto rel = p.lexically_relative(dir);
  return !rel.empty() && *rel.begin() != "..";
}

struct Tree {
  fs::path base, shared, real_shared;

  Tree() {
    std::string tmpl = (fs::temp_directory_path() / "wasmlet-shared-fuzz-XXXXXX").string();
    check(mkdtemp(tmpl.data()) != nullptr);
    base = tmpl;
    shared = base / "shared";
    fs::create_directories(shared / "dir" / "sub");
    fs::create_directories(base / "outside");
    std::ofstream(base / "outside" / "secret") << "secret";
    std::ofstream(shared / "file") << "file";
    fs::create_directory_symlink("../outside", shared / "out");
    fs::create_directory_symlink("/etc", shared / "etc");
    fs::create_symlink("../outside/secret", shared / "secret");
    fs::create_directory_symlink("..", shared / "dir" / "up");
    fs::create_directory_symlink("sub", shared / "dir" / "in");
    real_shared = fs::canonical(shared);
  }
  ~Tree() {
    std::error_code ec;
    fs::remove_all(base, ec);
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const Tree tree;
  std::string_view input(reinterpret_cast<const char*>(data), size);
  fs::path resolved;
  try {
    resolved = wasmlet::server::resolve_shared_path(tree.shared, input);
  } catch (const wasmlet::server::HttpError& e) {
    check(e.status() == wasmlet::server::http::status::bad_request);
    return 0;
  }
  check(is_within(tree.shared, resolved) && !resolved.filename().empty());
  for (const auto& part : resolved) check(part != "..");
  std::error_code ec;
  fs::path real = fs::weakly_canonical(resolved, ec);
  check(!ec && is_within(tree.real_shared, real));
  return 0;
}
