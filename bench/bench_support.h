#pragma once
// What the benchmarks share: progress lines on stderr, nearest-rank statistics (util/stats.h),
// and a line naming the machine a result came from.
#include <fmt/format.h>
#include <sys/utsname.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "util/error.h"
#include "util/stats.h"
#include "util/subprocess.h"

namespace wasmlet::bench {

using Ns = std::chrono::nanoseconds;

template <class... Args>
void progress(fmt::format_string<Args...> f, Args&&... args) {
  std::cerr << fmt::format(f, std::forward<Args>(args)...) << '\n';
}

inline double to_us(Ns d) { return std::chrono::duration<double, std::micro>(d).count(); }

using util::Stats;
using util::stats_of;

struct Series {
  std::string what;
  std::vector<double> us;
  void add(Ns d) { us.push_back(to_us(d)); }
  Stats stats() const { return stats_of(us); }
};

inline void check(const util::ProcessResult& r, const std::string& what) {
  if (r.exit_code != 0) throw Error(fmt::format("{} failed:\n{}", what, r.output));
}

// "Name: 123 kB" lines of a /proc file (status, smaps_rollup), in KiB by name.
inline std::map<std::string, long> read_kb_fields(const char* file) {
  std::map<std::string, long> out;
  std::ifstream in(file);
  std::string line;
  while (std::getline(in, line)) {
    size_t colon = line.find(':');
    if (colon == std::string::npos) continue;
    char* end = nullptr;
    long v = std::strtol(line.c_str() + colon + 1, &end, 10);
    if (end != line.c_str() + colon + 1) out[line.substr(0, colon)] = v;
  }
  return out;
}

inline std::string machine_line() {
  std::string cpu = "unknown CPU";
  std::ifstream in("/proc/cpuinfo");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("model name", 0) == 0) {
      cpu = line.substr(line.find(':') + 2);
      break;
    }
  }
  utsname u{};
  uname(&u);
  return fmt::format("{} cores ({}), Linux {}", std::thread::hardware_concurrency(), cpu,
                     u.release);
}

}  // namespace wasmlet::bench
