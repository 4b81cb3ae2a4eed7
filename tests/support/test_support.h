#pragma once
// Shared helpers for the tests of every layer: locating guest modules built by the project's
// toolchain, per-test directories, and what the process holds. Loading guests needs the engine:
// test_engine.h.
#include <condition_variable>
#include <cstddef>
#include <filesystem>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace wasmlet::test {

std::filesystem::path guest_path(const std::string& name);  // "traps" -> .../traps.wasm
std::vector<unsigned char> guest_bytes(const std::string& name);

// An empty directory for the running test: <build>/<group>/<test name>, emptied first.
std::filesystem::path fresh_test_dir(const std::string& group);

// Makes `data_dir` (created if missing) use the tests' one compile cache, so that each module
// compiles once per build however many runtimes the tests make.
void share_compile_cache(const std::filesystem::path& data_dir);

// Open file descriptors and memory mappings of this process right now.
size_t open_fd_count();
size_t mapping_count();
size_t virtual_size_kib();

// One long-lived thread that runs the jobs it is given, one at a time, while the giver waits:
// work done on another thread than the test's, by a thread that stays the same across jobs.
class OtherThread {
 public:
  OtherThread();
  OtherThread(const OtherThread&) = delete;
  OtherThread& operator=(const OtherThread&) = delete;
  ~OtherThread();

  void run(std::function<void()> job);

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  std::function<void()> job_;
  bool stop_ = false;
  std::thread thread_;  // last: starts once the rest is ready
};

}  // namespace wasmlet::test
