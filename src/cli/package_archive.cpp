#include "cli/package_archive.h"

#include <archive.h>
#include <archive_entry.h>
#include <fmt/format.h>

#include <memory>

#include "util/error.h"
#include "util/files.h"

namespace wasmlet::cli {
namespace {

namespace fs = std::filesystem;

struct WriterDeleter {
  void operator()(archive* a) const { archive_write_free(a); }
};
struct EntryDeleter {
  void operator()(archive_entry* e) const { archive_entry_free(e); }
};

bool skipped(const fs::path& name) {
  std::string n = name.filename().string();
  return n == "__pycache__" || n.starts_with('.');
}

void check(archive* a, int rc) {
  if (rc < ARCHIVE_WARN) throw Error(fmt::format("cannot pack: {}", archive_error_string(a)));
}

}  // namespace

std::string tar_directory(const fs::path& dir) {
  if (!fs::is_directory(dir)) throw Error(fmt::format("{} is not a directory", dir.string()));
  std::string out;
  std::unique_ptr<archive, WriterDeleter> a(archive_write_new());
  check(a.get(), archive_write_set_format_pax_restricted(a.get()));
  auto append = [](archive*, void* client, const void* buf, size_t n) -> la_ssize_t {
    static_cast<std::string*>(client)->append(static_cast<const char*>(buf), n);
    return static_cast<la_ssize_t>(n);
  };
  check(a.get(), archive_write_open(a.get(), &out, nullptr, append, nullptr));
  for (auto it = fs::recursive_directory_iterator(dir); it != fs::recursive_directory_iterator();
       ++it) {
    const fs::directory_entry& e = *it;
    if (skipped(e.path()) || e.is_symlink()) {
      if (e.is_directory() && !e.is_symlink()) it.disable_recursion_pending();
      continue;
    }
    std::string rel = fs::relative(e.path(), dir).generic_string();
    std::unique_ptr<archive_entry, EntryDeleter> entry(archive_entry_new());
    archive_entry_set_pathname(entry.get(), rel.c_str());
    if (e.is_directory()) {
      archive_entry_set_filetype(entry.get(), AE_IFDIR);
      archive_entry_set_perm(entry.get(), 0755);
      check(a.get(), archive_write_header(a.get(), entry.get()));
    } else if (e.is_regular_file()) {
      std::string data = util::read_text_file(e.path());
      archive_entry_set_filetype(entry.get(), AE_IFREG);
      archive_entry_set_perm(entry.get(), 0644);
      archive_entry_set_size(entry.get(), static_cast<la_int64_t>(data.size()));
      check(a.get(), archive_write_header(a.get(), entry.get()));
      if (archive_write_data(a.get(), data.data(), data.size()) < 0) check(a.get(), ARCHIVE_FATAL);
    }
  }
  check(a.get(), archive_write_close(a.get()));
  return out;
}

}  // namespace wasmlet::cli
