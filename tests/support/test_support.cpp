#include "test_support.h"

#include <gtest/gtest.h>

#include <fstream>
#include <string>
#include <utility>

#include "util/files.h"

namespace wasmlet::test {

namespace fs = std::filesystem;

fs::path guest_path(const std::string& name) {
  return fs::path(WASMLET_TEST_GUEST_DIR) / (name + ".wasm");
}

std::vector<unsigned char> guest_bytes(const std::string& name) {
  return util::read_file(guest_path(name));
}

fs::path fresh_test_dir(const std::string& group) {
  fs::path dir = fs::path(WASMLET_TEST_CACHE_DIR).parent_path() / group /
                 ::testing::UnitTest::GetInstance()->current_test_info()->name();
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

void share_compile_cache(const fs::path& data_dir) {
  fs::create_directories(WASMLET_TEST_CACHE_DIR);
  fs::create_directories(data_dir);
  if (!fs::exists(data_dir / "cache")) {
    fs::create_directory_symlink(fs::absolute(WASMLET_TEST_CACHE_DIR), data_dir / "cache");
  }
}

size_t open_fd_count() {
  size_t n = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator("/proc/self/fd")) ++n;
  return n;
}

size_t mapping_count() {
  std::ifstream maps("/proc/self/maps");
  size_t n = 0;
  for (std::string line; std::getline(maps, line);) ++n;
  return n;
}

size_t virtual_size_kib() {
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);) {
    if (line.starts_with("VmSize:")) return std::stoul(line.substr(7));
  }
  return 0;
}

OtherThread::OtherThread()
    : thread_([this] {
        std::unique_lock lock(mutex_);
        for (;;) {
          cv_.wait(lock, [this] { return job_ || stop_; });
          if (stop_) return;
          job_();
          job_ = nullptr;
          cv_.notify_all();
        }
      }) {}

OtherThread::~OtherThread() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void OtherThread::run(std::function<void()> job) {
  std::unique_lock lock(mutex_);
  job_ = std::move(job);
  cv_.notify_all();
  cv_.wait(lock, [this] { return !job_; });
}

}  // namespace wasmlet::test
