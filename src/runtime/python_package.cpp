#include "runtime/python_package.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <memory>
#include <set>
#include <vector>

#include "util/files.h"

namespace wasmlet::runtime {
namespace {

namespace fs = std::filesystem;

bool is_identifier(std::string_view s) {
  if (s.empty() || (std::isdigit(static_cast<unsigned char>(s[0])) != 0)) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    auto u = static_cast<unsigned char>(c);
    return std::isalnum(u) != 0 || c == '_' || u >= 0x80;  // Python allows non-ASCII names
  });
}

bool is_module_name(std::string_view s) {
  if (s.empty()) return false;
  size_t start = 0;
  for (;;) {
    size_t dot = s.find('.', start);
    if (!is_identifier(s.substr(start, dot - start))) return false;
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
  }
}

enum class Format { Source, Tar, Zip, Gzip };

Format sniff(std::string_view body) {
  if (body.starts_with("PK\x03\x04") || body.starts_with("PK\x05\x06")) return Format::Zip;
  if (body.starts_with("\x1f\x8b")) return Format::Gzip;
  if (body.size() >= 262 && body.substr(257, 5) == "ustar") return Format::Tar;
  return Format::Source;
}

// NAME_MAX of Linux file systems: a longer component would fail at open(), as our fault.
constexpr size_t kMaxNameComponent = 255;

// An archive member's path made relative and checked: no absolute paths, no "..", no empty
// or "." components left. Empty result: the archive's root itself.
std::string clean_member_path(std::string_view raw, size_t max_path) {
  if (raw.size() > max_path) {
    throw PackageError(fmt::format("archive member path longer than {} bytes", max_path));
  }
  if (raw.starts_with('/')) {
    throw PackageError(fmt::format("archive member '{}' has an absolute path", raw));
  }
  std::string out;
  size_t start = 0;
  while (start <= raw.size()) {
    size_t slash = raw.find('/', start);
    std::string_view part = raw.substr(start, slash - start);
    if (part == "..") {
      throw PackageError(fmt::format("archive member '{}' climbs out of the package", raw));
    }
    if (part.size() > kMaxNameComponent) {
      throw PackageError(fmt::format("archive member '{}' has a name longer than {} bytes", raw,
                                     kMaxNameComponent));
    }
    if (!part.empty() && part != ".") {
      if (!out.empty()) out += '/';
      out += part;
    }
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return out;
}

struct ArchiveDeleter {
  void operator()(archive* a) const { archive_read_free(a); }
};

class Unpacker {
 public:
  Unpacker(const fs::path& dir, const PackageLimits& limits) : dir_(dir), limits_(limits) {}

  void write_file(const std::string& rel, const auto& fill) {
    ++files_;
    count_entry();
    if (!seen_.insert(rel).second) {
      throw PackageError(fmt::format("archive member '{}' appears twice", rel));
    }
    fs::path path = dir_ / rel;
    make_parents(rel);
    util::UniqueFd fd(
        ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644));
    if (!fd) {
      // EEXIST/ENOTDIR: a file and a directory of the same name.
      if (errno == EEXIST || errno == ENOTDIR || errno == EISDIR) {
        throw PackageError(fmt::format("archive member '{}' clashes with another", rel));
      }
      throw Error(fmt::format("cannot write package file: {}", std::strerror(errno)));
    }
    fill([&](const void* data, size_t size) {
      bytes_ += size;
      if (bytes_ > limits_.max_bytes) {
        throw PackageError(fmt::format("package unpacks to more than {} bytes", limits_.max_bytes));
      }
      if (bytes_ > limits_.quota_bytes) {
        throw PackageQuotaExceeded(
            fmt::format("package unpacks to more than the {} bytes the tenant's quota has left",
                        limits_.quota_bytes));
      }
      const char* p = static_cast<const char*>(data);
      while (size > 0) {
        ssize_t n = ::write(fd.get(), p, size);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) throw Error(fmt::format("cannot write package file: {}", std::strerror(errno)));
        p += n;
        size -= static_cast<size_t>(n);
      }
    });
  }

  void make_dir(const std::string& rel) {
    make_parents(rel + "/");
    std::error_code ec;
    if (fs::create_directory(dir_ / rel, ec)) {
      ++directories_;
      count_entry();
    }
    if (ec || !fs::is_directory(fs::symlink_status(dir_ / rel))) {
      throw PackageError(fmt::format("archive member '{}/' clashes with another", rel));
    }
  }

  size_t files() const { return files_; }
  size_t directories() const { return directories_; }
  size_t bytes() const { return bytes_; }

 private:
  // Parents are made as real directories only: nothing in the tree is ever a symlink.
  void make_parents(const std::string& rel) {
    for (size_t slash = rel.find('/'); slash != std::string::npos;
         slash = rel.find('/', slash + 1)) {
      fs::path p = dir_ / rel.substr(0, slash);
      if (::mkdir(p.c_str(), 0755) == 0) {
        ++directories_;
        count_entry();
      } else if (errno != EEXIST) {
        throw PackageError(fmt::format("cannot create directory for '{}'", rel));
      }
      if (!fs::is_directory(fs::symlink_status(p))) {
        throw PackageError(fmt::format("archive member '{}' clashes with another", rel));
      }
    }
  }

  void count_entry() {
    if (files_ + directories_ > limits_.max_entries) {
      throw PackageError(
          fmt::format("package has more than {} files and directories", limits_.max_entries));
    }
  }

  const fs::path& dir_;
  const PackageLimits& limits_;
  std::set<std::string> seen_;
  size_t files_ = 0, directories_ = 0, bytes_ = 0;
};

// libarchive has no message for some failures (a null string, which fmt refuses to format).
std::string_view error_text(archive* a) {
  const char* text = archive_error_string(a);
  return text != nullptr ? text : "unreadable data";
}

void unpack_archive(std::string_view body, Unpacker& out, const PackageLimits& limits) {
  std::unique_ptr<archive, ArchiveDeleter> a(archive_read_new());
  if (!a) throw Error("cannot allocate an archive reader");
  archive_read_support_format_tar(a.get());
  archive_read_support_format_zip(a.get());
  archive_read_support_filter_gzip(a.get());
  if (archive_read_open_memory(a.get(), body.data(), body.size()) != ARCHIVE_OK) {
    throw PackageError(fmt::format("not a readable archive: {}", error_text(a.get())));
  }
  archive_entry* entry = nullptr;
  for (;;) {
    int rc = archive_read_next_header(a.get(), &entry);
    if (rc == ARCHIVE_EOF) break;
    if (rc != ARCHIVE_OK && rc != ARCHIVE_WARN) {
      throw PackageError(fmt::format("corrupt archive: {}", error_text(a.get())));
    }
    const char* raw = archive_entry_pathname(entry);
    if (raw == nullptr) throw PackageError("archive member without a name");
    std::string rel = clean_member_path(raw, limits.max_path);
    auto type = archive_entry_filetype(entry);
    if (type == AE_IFDIR) {
      if (!rel.empty()) out.make_dir(rel);
      continue;
    }
    if (type != AE_IFREG || archive_entry_hardlink(entry) != nullptr) {
      throw PackageError(fmt::format(
          "archive member '{}' is not a regular file or directory (links are refused)", raw));
    }
    if (rel.empty()) throw PackageError("archive member without a name");
    out.write_file(rel, [&](const auto& sink) {
      std::array<char, 64 << 10> buf;
      for (;;) {
        la_ssize_t n = archive_read_data(a.get(), buf.data(), buf.size());
        if (n == 0) break;
        if (n < 0) {
          throw PackageError(fmt::format("corrupt archive: {}", error_text(a.get())));
        }
        sink(buf.data(), static_cast<size_t>(n));
      }
    });
  }
}

bool module_exists(const fs::path& dir, std::string_view module) {
  std::string rel(module);
  std::replace(rel.begin(), rel.end(), '.', '/');
  return fs::is_regular_file(dir / (rel + ".py")) || fs::is_regular_file(dir / rel / "__init__.py");
}

std::string choose_module(const fs::path& dir) {
  std::vector<std::string> top;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (!e.is_regular_file() || e.path().extension() != ".py") continue;
    std::string stem = e.path().stem().string();
    if (stem != "setup" && stem != "conftest" && is_identifier(stem)) top.push_back(stem);
  }
  if (top.size() == 1) return top[0];
  for (const char* name : {"main", "function", "handler", "lambda_function", "app"}) {
    if (std::find(top.begin(), top.end(), name) != top.end()) return name;
  }
  if (top.empty()) {
    throw PackageError(
        "the package has no top-level module; name the entry (--entry module:function)");
  }
  std::sort(top.begin(), top.end());
  std::string names;
  for (const auto& t : top) names += (names.empty() ? "" : ", ") + t;
  throw PackageError(fmt::format(
      "the package has several top-level modules ({}); name the entry (--entry module:function)",
      names));
}

}  // namespace

std::string_view convention_name(PythonConvention c) {
  switch (c) {
    case PythonConvention::Detect:
      return "detect";
    case PythonConvention::Faasm:
      return "faasm";
    case PythonConvention::OpenWhisk:
      return "openwhisk";
    case PythonConvention::Lambda:
      return "lambda";
  }
  return "detect";
}

PythonConvention parse_convention(std::string_view name) {
  for (auto c : {PythonConvention::Detect, PythonConvention::Faasm, PythonConvention::OpenWhisk,
                 PythonConvention::Lambda}) {
    if (name == convention_name(c)) return c;
  }
  if (name.empty()) return PythonConvention::Detect;
  throw PackageError(
      fmt::format("unknown entry convention '{}' (use detect, faasm, openwhisk or lambda)", name));
}

PythonEntry parse_entry(std::string_view text) {
  PythonEntry e;
  size_t colon = text.find(':');
  e.module = std::string(text.substr(0, colon));
  if (colon != std::string_view::npos) e.function = std::string(text.substr(colon + 1));
  bool ok = (e.module.empty() || is_module_name(e.module)) &&
            (colon == std::string_view::npos || is_identifier(e.function));
  if (!ok || text.empty()) {
    throw PackageError(
        fmt::format("bad entry '{}' (want module, module:function or :function)", text));
  }
  return e;
}

UnpackedPackage unpack_python_package(std::string_view body, const fs::path& dir,
                                      const PythonEntry& requested, const PackageLimits& limits) {
  Unpacker out(dir, limits);
  Format format = sniff(body);
  UnpackedPackage result;
  result.entry = requested;
  if (format == Format::Source) {
    if (!requested.module.empty() && requested.module != kSingleFileModule) {
      throw PackageError(
          fmt::format("a single source file is module '{}'; the entry cannot name module '{}'",
                      kSingleFileModule, requested.module));
    }
    out.write_file(std::string(kSingleFileModule) + ".py",
                   [&](const auto& sink) { sink(body.data(), body.size()); });
    result.entry.module = kSingleFileModule;
  } else {
    unpack_archive(body, out, limits);
    if (result.entry.module.empty()) {
      result.entry.module = choose_module(dir);
    } else if (!module_exists(dir, result.entry.module)) {
      throw PackageError(fmt::format("the package has no module '{}'", result.entry.module));
    }
  }
  result.files = out.files();
  result.directories = out.directories();
  result.bytes = out.bytes();
  return result;
}

}  // namespace wasmlet::runtime
