// libFuzzer target: Python function uploads (runtime/python_package). The bytes a client PUTs
// as a Python function are unpacked into a fresh directory (tar, tar.gz and zip through
// libarchive, or a single source file), with small limits so the fuzzer reaches them. Whatever
// the bytes, unpacking either refuses them with PackageError or leaves a tree of plain files
// and directories inside its directory, within the limits, holding the entry module it names.
// The whole input also goes through parse_entry and parse_convention.
#include <stdlib.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>

#include "runtime/python_package.h"

namespace fs = std::filesystem;
using namespace wasmlet::runtime;

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

// A base directory made once: the unpacking directory and a sibling that must stay empty.
struct Base {
  fs::path dir;
  fs::path sibling;

  Base() {
    std::string tmpl = (fs::temp_directory_path() / "wasmlet-package-fuzz-XXXXXX").string();
    check(mkdtemp(tmpl.data()) != nullptr);
    dir = tmpl;
    sibling = dir / "sibling";
    fs::create_directory(sibling);
  }
  ~Base() {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
};

constexpr PackageLimits kLimits{.max_entries = 64, .max_bytes = 1u << 20, .max_path = 256};

// The entry a client may name beside its upload, chosen by the input's first byte.
constexpr std::string_view kEntries[] = {"", "main", "function", "pkg.mod:handle", ":main"};

bool module_present(const fs::path& root, std::string module) {
  for (char& c : module) {
    if (c == '.') c = '/';
  }
  auto is_file = [](const fs::path& p) { return fs::is_regular_file(fs::symlink_status(p)); };
  return is_file(root / (module + ".py")) || is_file(root / module / "__init__.py");
}

void check_tree(const fs::path& root, const UnpackedPackage& result) {
  size_t files = 0;
  size_t directories = 0;
  size_t bytes = 0;
  for (const auto& e : fs::recursive_directory_iterator(root)) {
    auto status = e.symlink_status();
    check(fs::is_regular_file(status) || fs::is_directory(status));
    auto rel = e.path().lexically_relative(root);
    check(!rel.empty() && *rel.begin() != "..");
    if (fs::is_regular_file(status)) {
      ++files;
      bytes += fs::file_size(e.path());
    } else {
      ++directories;
    }
  }
  check(files == result.files && directories == result.directories && bytes == result.bytes);
  check(files + directories <= kLimits.max_entries && bytes <= kLimits.max_bytes);
  check(!result.entry.module.empty() && module_present(root, result.entry.module));
}

void fuzz_names(std::string_view input) {
  try {
    PythonEntry e = parse_entry(input);
    check(!e.module.empty() || !e.function.empty());
    check(parse_entry(e.str()).str() == e.str());
  } catch (const PackageError&) {
  }
  try {
    check(convention_name(parse_convention(input)) == input || input.empty());
  } catch (const PackageError&) {
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Base base;
  if (size == 0) return 0;
  std::string_view body(reinterpret_cast<const char*>(data) + 1, size - 1);
  fuzz_names(body);
  PythonEntry requested;
  std::string_view entry = kEntries[data[0] % std::size(kEntries)];
  if (!entry.empty()) requested = parse_entry(entry);

  fs::path root = base.dir / "package";
  fs::create_directory(root);
  try {
    check_tree(root, unpack_python_package(body, root, requested, kLimits));
  } catch (const PackageError&) {
  }
  // Nothing lands beside the package directory, whether the upload was taken or refused.
  check(fs::is_empty(base.sibling));
  size_t entries = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(base.dir)) ++entries;
  check(entries == 2);
  fs::remove_all(root);
  return 0;
}
