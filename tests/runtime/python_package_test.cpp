// Unpacking Python uploads: single files, tar/zip packages, entry selection, and everything a
// hostile archive may try (escapes, links, duplicates, bombs).
#include "runtime/python_package.h"

#include <archive.h>
#include <archive_entry.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "test_support.h"
#include "util/files.h"

namespace wasmlet {
namespace {

namespace fs = std::filesystem;
using runtime::PackageError;
using runtime::PythonEntry;
using runtime::unpack_python_package;

struct Member {
  std::string path;
  std::string data;
  unsigned type = AE_IFREG;
  std::string link;  // symlink target or hard link name
};

// An archive built by libarchive, as a client's tool would make it.
std::string make_archive(const std::vector<Member>& members, bool zip = false) {
  std::string out;
  std::unique_ptr<archive, decltype(&archive_write_free)> a(archive_write_new(),
                                                            archive_write_free);
  if (zip) {
    archive_write_set_format_zip(a.get());
  } else {
    archive_write_set_format_pax_restricted(a.get());
  }
  auto append = [](archive*, void* client, const void* buf, size_t n) -> la_ssize_t {
    static_cast<std::string*>(client)->append(static_cast<const char*>(buf), n);
    return static_cast<la_ssize_t>(n);
  };
  archive_write_open(a.get(), &out, nullptr, append, nullptr);
  for (const auto& m : members) {
    std::unique_ptr<archive_entry, decltype(&archive_entry_free)> e(archive_entry_new(),
                                                                    archive_entry_free);
    archive_entry_set_pathname(e.get(), m.path.c_str());
    archive_entry_set_filetype(e.get(), m.type);
    archive_entry_set_perm(e.get(), 0644);
    if (m.type == AE_IFLNK) archive_entry_set_symlink(e.get(), m.link.c_str());
    if (m.type == AE_IFREG && !m.link.empty()) archive_entry_set_hardlink(e.get(), m.link.c_str());
    archive_entry_set_size(e.get(),
                           m.type == AE_IFREG ? static_cast<la_int64_t>(m.data.size()) : 0);
    archive_write_header(a.get(), e.get());
    if (!m.data.empty()) archive_write_data(a.get(), m.data.data(), m.data.size());
  }
  archive_write_close(a.get());
  return out;
}

class PythonPackageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = test::fresh_test_dir("python_package");
    target_ = dir_ / "pkg";
    fs::create_directories(target_);
  }
  runtime::UnpackedPackage unpack(const std::string& body, PythonEntry entry = {},
                                  runtime::PackageLimits limits = {}) {
    return unpack_python_package(body, target_, entry, limits);
  }
  std::string error_of(const std::string& body, PythonEntry entry = {},
                       runtime::PackageLimits limits = {}) {
    try {
      unpack(body, entry, limits);
    } catch (const PackageError& e) {
      return e.what();
    }
    return "no error";
  }
  fs::path dir_, target_;
};

TEST_F(PythonPackageTest, SingleSourceFileIsModuleFunction) {
  auto p = unpack("def main(a):\n    return 1\n");
  EXPECT_EQ(p.entry.module, "function");
  EXPECT_EQ(p.files, 1u);
  EXPECT_EQ(util::read_text_file(target_ / "function.py"), "def main(a):\n    return 1\n");
}

TEST_F(PythonPackageTest, SingleFileCannotNameAnotherModule) {
  EXPECT_NE(error_of("x = 1\n", {"other", ""}).find("cannot name module 'other'"),
            std::string::npos);
  EXPECT_EQ(unpack("def go():\n    pass\n", {"", "go"}).entry.str(), "function:go");
}

TEST_F(PythonPackageTest, TarWithSubpackagesAndData) {
  auto body = make_archive({{"./app/", "", AE_IFDIR},
                            {"main.py", "import app.util\n"},
                            {"app/__init__.py", ""},
                            {"app/util.py", "X = 1\n"},
                            {"data/config.json", "{}"}});
  auto p = unpack(body);
  EXPECT_EQ(p.entry.module, "main");
  EXPECT_EQ(p.files, 4u);
  EXPECT_TRUE(fs::is_regular_file(target_ / "app" / "util.py"));
  EXPECT_EQ(util::read_text_file(target_ / "data" / "config.json"), "{}");
}

TEST_F(PythonPackageTest, ZipPackageWithNamedEntry) {
  auto body = make_archive({{"a.py", "1\n"}, {"b.py", "2\n"}, {"pkg/__init__.py", ""}}, true);
  EXPECT_EQ(unpack(body, {"pkg", "run"}).entry.str(), "pkg:run");
}

TEST_F(PythonPackageTest, EntryModuleIsChosenOrMustBeNamed) {
  auto one = make_archive({{"only.py", ""}, {"lib/x.py", ""}});
  EXPECT_EQ(unpack(one).entry.module, "only");
  fs::remove_all(target_);
  fs::create_directories(target_);
  auto with_main = make_archive({{"helpers.py", ""}, {"main.py", ""}, {"setup.py", ""}});
  EXPECT_EQ(unpack(with_main).entry.module, "main");
  fs::remove_all(target_);
  fs::create_directories(target_);
  auto ambiguous = make_archive({{"a.py", ""}, {"b.py", ""}});
  EXPECT_NE(error_of(ambiguous).find("several top-level modules (a, b)"), std::string::npos);
  fs::remove_all(target_);
  fs::create_directories(target_);
  EXPECT_NE(error_of(make_archive({{"a.py", ""}}), {"missing", ""}).find("no module 'missing'"),
            std::string::npos);
}

TEST_F(PythonPackageTest, HostileArchivesAreRefusedAndWriteNothingOutside) {
  struct Case {
    std::vector<Member> members;
    std::string expected;
  };
  std::vector<Case> cases = {
      {{{"../escape.py", "x"}}, "climbs out"},
      {{{"a/../../escape.py", "x"}}, "climbs out"},
      {{{"/etc/evil.py", "x"}}, "absolute path"},
      {{{"link.py", "", AE_IFLNK, "/etc/passwd"}}, "links are refused"},
      {{{"a.py", "x"}, {"b.py", "", AE_IFREG, "a.py"}}, "links are refused"},
      {{{"dev", "", AE_IFCHR}}, "not a regular file"},
      {{{"a.py", "1"}, {"./a.py", "2"}}, "appears twice"},
      {{{"a", "file"}, {"a/b.py", "x"}}, "clashes"},
      // Longer than a file name may be: refused as the upload's fault, not failed at open().
      {{{"pkg/" + std::string(256, 'n') + ".py", "x"}}, "name longer than 255 bytes"},
  };
  for (const auto& c : cases) {
    fs::remove_all(target_);
    fs::create_directories(target_);
    std::string err = error_of(make_archive(c.members));
    EXPECT_NE(err.find(c.expected), std::string::npos) << c.members[0].path << ": " << err;
  }
  EXPECT_FALSE(fs::exists(dir_ / "escape.py"));
}

TEST_F(PythonPackageTest, SizeAndCountLimits) {
  runtime::PackageLimits limits;
  limits.max_entries = 2;
  EXPECT_NE(error_of(make_archive({{"a.py", ""}, {"b.py", ""}, {"c.py", ""}}), {}, limits)
                .find("more than 2 files and directories"),
            std::string::npos);
  // Directories are inodes too, whether listed or made as parents on the way.
  for (const auto& members :
       std::vector<std::vector<Member>>{{{"a.py", ""}, {"d/", "", AE_IFDIR}, {"e/", "", AE_IFDIR}},
                                        {{"a.py", ""}, {"d/e/f.py", ""}}}) {
    fs::remove_all(target_);
    fs::create_directories(target_);
    EXPECT_NE(error_of(make_archive(members), {}, limits).find("more than 2 files and directories"),
              std::string::npos);
  }
  fs::remove_all(target_);
  fs::create_directories(target_);
  limits.max_entries = 3;
  auto counted = unpack(make_archive({{"a.py", ""}, {"d/e.py", ""}}), {}, limits);
  EXPECT_EQ(counted.files, 2u);
  EXPECT_EQ(counted.directories, 1u);
  fs::remove_all(target_);
  fs::create_directories(target_);
  limits = {};
  limits.max_bytes = 1000;
  EXPECT_NE(error_of(make_archive({{"a.py", std::string(1001, 'x')}}), {}, limits)
                .find("more than 1000 bytes"),
            std::string::npos);
  // A gzip bomb is cut off at the same limit, however small its compressed size.
  EXPECT_NE(error_of(std::string(10000, 'x'), {}, limits).find("more than 1000 bytes"),
            std::string::npos);
  // The tenant's quota, when it has less left, is a limit of its own type.
  fs::remove_all(target_);
  fs::create_directories(target_);
  limits = {};
  limits.quota_bytes = 500;
  EXPECT_THROW(unpack(make_archive({{"a.py", std::string(501, 'x')}}), {}, limits),
               runtime::PackageQuotaExceeded);
  fs::remove_all(target_);
  fs::create_directories(target_);
  EXPECT_EQ(unpack(make_archive({{"a.py", std::string(500, 'x')}}), {}, limits).bytes, 500u);
}

TEST_F(PythonPackageTest, CorruptArchivesAreClientErrors) {
  std::string tar = make_archive({{"main.py", std::string(5000, 'x')}});
  EXPECT_THROW(unpack(tar.substr(0, 1200)), PackageError);
  std::string zip = make_archive({{"main.py", std::string(5000, 'y')}}, true);
  zip.resize(45);  // into the member's compressed data
  fs::remove_all(target_);
  fs::create_directories(target_);
  EXPECT_THROW(unpack(zip), PackageError);
  EXPECT_THROW(unpack("\x1f\x8b garbage"), PackageError);
  // A zip header libarchive refuses without a message (found by fuzz/python_package_fuzzer):
  // the message was formatted from a null string, which threw fmt's error instead.
  const unsigned char no_message[] = {0x50, 0x4b, 0x03, 0x04, 0x14, 0x00, 0x00, 0x00, 0x00, 0x00,
                                      0x00, 0x00, 0x21, 0x5c, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
                                      0x00, 0x00, 0xfb, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00,
                                      0x01, 0x02, 0x14, 0x03, 0x14, 0x00, 0x00, 0x00, 0x53, 0x53,
                                      0x53, 0x53, 0x53, 0x53, 0x53, 0x53, 0x53, 0x53, 0x00};
  fs::remove_all(target_);
  fs::create_directories(target_);
  EXPECT_NE(error_of(std::string(reinterpret_cast<const char*>(no_message), sizeof no_message))
                .find("corrupt archive"),
            std::string::npos);
}

TEST(PythonEntryTest, ParsesAndRejects) {
  EXPECT_EQ(runtime::parse_entry("mod").str(), "mod");
  EXPECT_EQ(runtime::parse_entry("pkg.mod:fn").str(), "pkg.mod:fn");
  EXPECT_EQ(runtime::parse_entry(":fn").function, "fn");
  for (const char* bad : {"", ":", "mod:", "a..b", "1mod", "mod:fn:x", "mod:f-n", "../x"}) {
    EXPECT_THROW(runtime::parse_entry(bad), PackageError) << bad;
  }
  EXPECT_EQ(runtime::parse_convention("lambda"), runtime::PythonConvention::Lambda);
  EXPECT_EQ(runtime::parse_convention(""), runtime::PythonConvention::Detect);
  EXPECT_THROW(runtime::parse_convention("soap"), PackageError);
}

}  // namespace
}  // namespace wasmlet
