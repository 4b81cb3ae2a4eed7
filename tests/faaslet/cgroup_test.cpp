// Per-tenant cgroups for executor threads. One test probes the real machine (where cgroup v2
// cannot be used, it checks the manager says why and stays out of the way); the others run the
// manager, and a Faaslet pool placing its calls through it, against a plain directory laid out
// like a cgroup2 mount, which tests the file protocol only (which files get which values), not
// the kernel's rules.
#include "faaslet/cgroup.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>

#include "faaslet/faaslet_pool.h"
#include "faaslet/proto_faaslet.h"
#include "host/host_imports.h"
#include "test_engine.h"
#include "util/files.h"

namespace wasmlet {
namespace {

namespace fs = std::filesystem;
using faaslet::CgroupManager;

std::string slurp(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void put(const fs::path& p, const std::string& text) {
  fs::create_directories(p.parent_path());
  std::ofstream(p) << text;
}

// The "0::" line of the calling thread's /proc/thread-self/cgroup, without the prefix.
std::string thread_cgroup() {
  std::istringstream lines(slurp("/proc/thread-self/cgroup"));
  for (std::string line; std::getline(lines, line);)
    if (line.rfind("0::", 0) == 0) return line.substr(3);
  return {};
}

TEST(Cgroup, RealMachineProbeNeverThrowsAndExplainsItself) {
  std::unique_ptr<CgroupManager> m;
  ASSERT_NO_THROW(m = std::make_unique<CgroupManager>());
  std::string before, inside, after;
  bool entered = false;
  std::thread([&] {
    before = thread_cgroup();
    entered = m->enter("alice", 200);
    inside = thread_cgroup();
  }).join();

  if (!m->available()) {
    std::cout << "[ info     ] " << m->unavailable_reason() << "\n";
    RecordProperty("cgroup_unavailable_reason", m->unavailable_reason());
    EXPECT_EQ(m->unavailable_reason().rfind("cgroup v2: ", 0), 0u) << m->unavailable_reason();
    EXPECT_EQ(m->unavailable_reason().find('\n'), std::string::npos);
    EXPECT_TRUE(m->cgroup_dir().empty());
    EXPECT_FALSE(entered);
    EXPECT_EQ(inside, before);  // did nothing
  } else {
    EXPECT_TRUE(m->unavailable_reason().empty());
    ASSERT_TRUE(entered);
    std::string expected_tail = "/" + m->cgroup_dir().filename().string() + "/alice";
    EXPECT_GT(inside.size(), expected_tail.size());
    EXPECT_EQ(inside.substr(inside.size() - expected_tail.size()), expected_tail) << inside;
    EXPECT_EQ(slurp(m->cgroup_dir() / "alice" / "cpu.weight"), "200\n");
    fs::path dir = m->cgroup_dir();
    m.reset();  // moves leftover threads back and removes the cgroups
    EXPECT_FALSE(fs::exists(dir));
  }
}

// A directory standing in for a cgroup2 mount, with the process in /system.slice/app.service.
// Plain files keep whatever is written last; the kernel would instead interpret each write.
class FakeCgroupTree : public ::testing::Test {
 protected:
  void SetUp() override {
    put(mount() / "cgroup.controllers", "cpu memory\n");
    put(mount() / "cgroup.subtree_control", "cpu memory\n");
    put(process() / "cgroup.controllers", "cpu memory\n");
    put(process() / "cgroup.subtree_control", "");
    put(process() / "cgroup.type", "domain\n");
    put(process() / "cgroup.procs", std::to_string(::getpid()) + "\n");
    put(process() / "cgroup.threads", std::to_string(::getpid()) + "\n");
  }
  fs::path mount() const { return tmp_.path() / "cgroup2"; }
  fs::path process() const { return mount() / "system.slice" / "app.service"; }

  // cgroupfs lets rmdir remove a cgroup with its control files in it; a plain directory does
  // not, so remove the files the way the kernel would before the manager tears down.
  void drop_control_files(const fs::path& dir) {
    for (const auto& e : fs::recursive_directory_iterator(dir))
      if (e.is_regular_file()) fs::remove(e.path());
  }

  util::TempDir tmp_{::testing::TempDir(), "cgroup-fake"};
};

TEST_F(FakeCgroupTree, FileProtocolOnlyEnterWritesThreadedWeightAndTid) {
  auto m = std::make_unique<CgroupManager>(mount(), "/system.slice/app.service");
  ASSERT_TRUE(m->available()) << m->unavailable_reason();
  EXPECT_TRUE(m->unavailable_reason().empty());

  const fs::path dir = m->cgroup_dir();
  EXPECT_EQ(dir.parent_path(), process());
  EXPECT_EQ(dir.filename().string().rfind("wasmlet-" + std::to_string(::getpid()), 0), 0u);
  EXPECT_EQ(slurp(process() / "cgroup.subtree_control"), "+cpu");  // cpu was not enabled
  EXPECT_EQ(slurp(dir / "cgroup.type"), "threaded");
  EXPECT_EQ(slurp(dir / "cgroup.subtree_control"), "+cpu");

  std::string tid;
  bool first = false, again = false, reweighted = false, bob = false;
  std::string weight_after_first, threads_after_first;
  std::thread([&] {
    tid = std::to_string(::gettid());
    first = m->enter("alice", 200);
    weight_after_first = slurp(dir / "alice" / "cpu.weight");
    threads_after_first = slurp(dir / "alice" / "cgroup.threads");
    again = m->enter("alice", 200);
    reweighted = m->enter("alice", 300);
    bob = m->enter("bob");
  }).join();

  EXPECT_TRUE(first);
  EXPECT_TRUE(fs::is_directory(dir / "alice"));
  EXPECT_EQ(slurp(dir / "alice" / "cgroup.type"), "threaded");
  EXPECT_EQ(weight_after_first, "200");
  EXPECT_EQ(threads_after_first, tid);
  EXPECT_TRUE(again);
  EXPECT_TRUE(reweighted);
  EXPECT_EQ(slurp(dir / "alice" / "cpu.weight"), "300");
  EXPECT_TRUE(bob);
  EXPECT_EQ(slurp(dir / "bob" / "cpu.weight"), "100");
  EXPECT_EQ(slurp(dir / "bob" / "cgroup.threads"), tid);

  EXPECT_FALSE(m->enter("carol", 0));  // outside cpu.weight's 1..10000
  EXPECT_FALSE(m->enter("carol", 10001));
  EXPECT_FALSE(fs::exists(dir / "carol"));

  drop_control_files(dir);
  m.reset();
  EXPECT_FALSE(fs::exists(dir));
  EXPECT_EQ(slurp(process() / "cgroup.subtree_control"), "-cpu");  // put back as it was
}

TEST_F(FakeCgroupTree, FileProtocolOnlyCpuAlreadyEnabledIsLeftAlone) {
  put(process() / "cgroup.subtree_control", "cpu\n");
  auto m = std::make_unique<CgroupManager>(mount(), "/system.slice/app.service");
  ASSERT_TRUE(m->available()) << m->unavailable_reason();
  drop_control_files(m->cgroup_dir());
  m.reset();
  EXPECT_EQ(slurp(process() / "cgroup.subtree_control"), "cpu\n");
}

TEST_F(FakeCgroupTree, FileProtocolOnlyMissingCpuControllerIsUnavailable) {
  put(process() / "cgroup.controllers", "memory io\n");
  CgroupManager m(mount(), "/system.slice/app.service");
  EXPECT_FALSE(m.available());
  EXPECT_NE(
      m.unavailable_reason().find("the cpu controller is not available in " + process().string()),
      std::string::npos)
      << m.unavailable_reason();
  EXPECT_NE(m.unavailable_reason().find("memory io"), std::string::npos);
  EXPECT_FALSE(m.enter("alice", 200));
  for (const auto& e : fs::directory_iterator(process()))
    EXPECT_FALSE(e.is_directory()) << e.path();  // created nothing
  EXPECT_EQ(slurp(process() / "cgroup.subtree_control"), "");
}

TEST_F(FakeCgroupTree, FileProtocolOnlyNotACgroupDirectoryIsUnavailable) {
  CgroupManager m(mount(), "/no/such/cgroup");
  EXPECT_FALSE(m.available());
  EXPECT_NE(m.unavailable_reason().find("not a cgroup v2 directory"), std::string::npos)
      << m.unavailable_reason();
  EXPECT_FALSE(m.enter("alice"));
}

// What FaasletPool does with its placement: a call moves the calling thread into the tenant's
// cgroup with the tenant's weight before it runs, unless the call asks not to be placed.
TEST_F(FakeCgroupTree, FileProtocolOnlyPoolCallsEnterTheTenantsCgroup) {
  auto cgroups = std::make_unique<CgroupManager>(mount(), "/system.slice/app.service");
  ASSERT_TRUE(cgroups->available()) << cgroups->unavailable_reason();
  const fs::path alice = cgroups->cgroup_dir() / "alice";
  faaslet::FunctionConfig config;
  config.host.args = {"echo"};
  auto proto = std::make_shared<faaslet::ProtoFaaslet>(
      test::load_guest("echo", host::host_imports()), std::move(config));
  faaslet::FaasletPool pool(proto, 1, {cgroups.get(), "alice", 200});

  std::string tid, unplaced_output, placed_output, threads, weight;
  bool entered_unplaced = true;
  std::thread([&] {
    tid = std::to_string(::gettid());
    faaslet::CallOptions unplaced;
    unplaced.tenant_placement = false;
    unplaced_output = pool.call("one", faaslet::Entry::main(), unplaced).output;
    entered_unplaced = fs::exists(alice);
    placed_output = pool.call("two").output;
    threads = slurp(alice / "cgroup.threads");
    weight = slurp(alice / "cpu.weight");
  }).join();

  EXPECT_EQ(unplaced_output, "one");
  EXPECT_FALSE(entered_unplaced);
  EXPECT_EQ(placed_output, "two");
  EXPECT_EQ(threads, tid);
  EXPECT_EQ(weight, "200");
  drop_control_files(cgroups->cgroup_dir());
}

TEST(Cgroup, TenantNamesCannotEscapeOrCollideWithControlFiles) {
  EXPECT_EQ(CgroupManager::tenant_dir_name("alice"), "alice");
  EXPECT_EQ(CgroupManager::tenant_dir_name("a_b-C9"), "a_b-C9");
  EXPECT_EQ(CgroupManager::tenant_dir_name("../x"), "%2E%2E%2Fx");
  EXPECT_EQ(CgroupManager::tenant_dir_name("cpu.weight"), "cpu%2Eweight");
  EXPECT_EQ(CgroupManager::tenant_dir_name("a%b"), "a%25b");  // '%' escaped too: no collisions
  EXPECT_EQ(CgroupManager::tenant_dir_name(""), "");
  EXPECT_EQ(CgroupManager::tenant_dir_name(std::string(201, 'x')), "");
}

}  // namespace
}  // namespace wasmlet
