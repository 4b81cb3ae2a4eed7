// Faaslets against processes: start-up and invoke latency of a no-op, sustained and open-loop
// restore throughput, and the memory and descriptors a live restored Faaslet costs. Faaslet
// figures and their process baselines are taken alternately in one run, since the machine is a
// noisy shared VM. Progress goes to stderr; stdout gets markdown for docs/benchmarks.md.
#include <fcntl.h>
#include <fmt/format.h>
#include <malloc.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstring>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <latch>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "engine/engine.h"
#include "engine/instance.h"
#include "faaslet/entry_call.h"
#include "faaslet/faaslet.h"
#include "faaslet/faaslet_pool.h"
#include "faaslet/function_config.h"
#include "faaslet/instance_setup.h"
#include "faaslet/proto_faaslet.h"
#include "faaslet/run_once.h"
#include "host/host_context.h"
#include "host/host_imports.h"
#include "util/error.h"
#include "util/files.h"
#include "util/subprocess.h"

extern char** environ;

#include "bench_support.h"

namespace {

using namespace wasmlet::bench;

using namespace wasmlet;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using Ns = std::chrono::nanoseconds;

// A guest whose snapshot holds real data: its constructor (run once, before the snapshot) fills
// 1 MiB of heap; main then reads it and dirties 64 KiB more, which every reset must drop.
constexpr const char* kHeapGuest = R"(#include <stdlib.h>
#include <string.h>
static char* table;
__attribute__((constructor)) static void fill(void) {
  table = malloc(1 << 20);
  memset(table, 7, 1 << 20);
}
int main(void) {
  volatile char* scratch = malloc(64 << 10);
  for (int i = 0; i < (64 << 10); i += 4096) scratch[i] = 1;
  int ok = table[12345] == 7 && scratch[4096] == 1;
  free((char*)scratch);
  return ok ? 0 : 1;
}
)";

void check_ok(const faaslet::CallResult& r, const char* what) {
  if (!r.ok()) {
    throw Error(fmt::format("{}: return code {}, {}", what, r.return_code,
                            r.trap ? r.trap->describe() : std::string("no trap")));
  }
}

// A child process: reaped by wait(), or killed and reaped if the object dies first.
class Child {
 public:
  explicit Child(pid_t pid) : pid_(pid) {
    if (pid_ < 0) throw Error(fmt::format("cannot start a process: {}", std::strerror(errno)));
  }
  Child(Child&& o) noexcept : pid_(std::exchange(o.pid_, -1)) {}
  Child& operator=(Child&&) = delete;
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;
  ~Child() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
  }
  // Waits for the child, which must exit 0.
  void wait() {
    int status = 0;
    while (waitpid(pid_, &status, 0) < 0) {
      if (errno != EINTR) throw Error(fmt::format("waitpid: {}", std::strerror(errno)));
    }
    pid_ = -1;
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
      throw Error(fmt::format("baseline child ended with status {:#x}", status));
    }
  }

 private:
  pid_t pid_;
};

// An executable's path and the argv to start it with.
struct Program {
  std::string path;
  std::vector<char*> argv;
  explicit Program(std::string p) : path(std::move(p)), argv{path.data(), nullptr} {}
  Program(const Program&) = delete;
  Program& operator=(const Program&) = delete;
};

Child fork_exec(const Program& p) {
  pid_t pid = fork();
  if (pid == 0) {
    execv(p.path.c_str(), p.argv.data());
    _exit(127);
  }
  return Child(pid);
}

// Kept apart and small: the vfork child shares this stack until execv.
[[gnu::noinline]] pid_t vfork_execv(const char* path, char* const* argv) {
  pid_t pid = vfork();
  if (pid == 0) {
    execv(path, argv);
    _exit(127);
  }
  return pid;
}

Child spawn(const Program& p) {
  pid_t pid = -1;
  int rc = posix_spawn(&pid, p.path.c_str(), nullptr, nullptr, p.argv.data(), environ);
  if (rc != 0) throw Error(fmt::format("posix_spawn: {}", std::strerror(rc)));
  return Child(pid);
}

int exec_in_child(void* arg) {
  const auto* p = static_cast<const Program*>(arg);
  execv(p->path.c_str(), p->argv.data());
  return 127;
}

// The kernel's part of a container start: new namespaces for the child, then exec. No rootfs
// pivot, cgroup or OCI runtime, so a floor under what crun would cost.
constexpr int kContainerNamespaces =
    CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWUTS | CLONE_NEWIPC;

Child clone_exec(const Program& p, std::vector<char>& stack) {
  // Program is only read by the child, but clone's signature wants a mutable pointer.
  void* arg = const_cast<Program*>(&p);
  return Child(
      clone(exec_in_child, stack.data() + stack.size(), kContainerNamespaces | SIGCHLD, arg));
}

std::optional<std::string> find_in_path(const std::string& name) {
  const char* path = std::getenv("PATH");
  if (path == nullptr) return std::nullopt;
  std::string_view rest(path);
  while (!rest.empty()) {
    size_t colon = rest.find(':');
    fs::path candidate = fs::path(rest.substr(0, colon)) / name;
    if (access(candidate.c_str(), X_OK) == 0) return candidate.string();
    if (colon == std::string_view::npos) break;
    rest.remove_prefix(colon + 1);
  }
  return std::nullopt;
}

size_t count_fds() {
  size_t n = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator("/proc/self/fd")) ++n;
  return n;
}

// Fresh start of the no-op without a snapshot: a host context, an instance and the module's
// initialisation, as run_once does before running. Teardown is not timed.
Ns fresh_start(const std::shared_ptr<const engine::Module>& module,
               const faaslet::FunctionConfig& config) {
  auto t0 = Clock::now();
  auto host = faaslet::make_host_context(config, config.host.fs.scratch_dir);
  engine::Instance instance(module, host::host_import_contexts(*host),
                            faaslet::instance_limits(config));
  host->bind_memory(instance.memory());
  if (auto trap = faaslet::initialise(instance, config.limits.timeout)) {
    throw Error("initialisation trapped: " + trap->describe());
  }
  return Clock::now() - t0;
}

struct Latency {
  std::vector<Series> rows;
  std::string container_note;
  double invoke_median = 0;
  Stats restore, reset, fork, fork_static, vfork, spawn;
};

// `heavy` is a guest with real initialisation, to show what a snapshot saves beyond a no-op.
Latency measure_latency(const std::shared_ptr<const engine::Module>& module,
                        const std::shared_ptr<const engine::Module>& heavy,
                        const fs::path& scratch_parent, const Program& dynamic_exe,
                        const Program* static_exe, int rounds) {
  const faaslet::FunctionConfig config;  // no root, no /tmp: the restore mechanism alone
  faaslet::FunctionConfig scratch_config;
  scratch_config.scratch_parent = scratch_parent;
  auto proto = std::make_shared<const faaslet::ProtoFaaslet>(module, config);
  auto scratch_proto = std::make_shared<const faaslet::ProtoFaaslet>(module, scratch_config);
  auto heavy_proto = std::make_shared<const faaslet::ProtoFaaslet>(heavy, config);
  faaslet::Faaslet warm(proto);
  faaslet::FaasletPool pool(proto, 4);

  Series fresh{"fresh instantiate + initialise (host context + `Instance` + `initialise`)", {}};
  Series once{"`run_once` (instantiate + initialise + run, no snapshot)", {}};
  Series restore{
      "restore: new `Faaslet` from the Proto-Faaslet (host context + blank instance + "
      "restore)",
      {}};
  Series restore_tmp{"restore: new `Faaslet` with its own /tmp scratch dir", {}};
  Series heavy_fresh{"heap guest (constructor fills 1 MiB): fresh instantiate + initialise", {}};
  Series heavy_restore{"heap guest: new `Faaslet` from its Proto-Faaslet", {}};
  Series discard{"discard a `Faaslet` (destructor)", {}};
  Series reset{"reset after a call (`Faaslet::last_reset_time`)", {}};
  Series invoke{"**full invoke on a warm Faaslet** (`Faaslet::call`: run + reset)", {}};
  Series pooled{"full invoke through `FaasletPool::call`", {}};
  Series forked{"fork + execv + waitpid, native no-op", {}};
  Series forked_static{"fork + execv + waitpid, native no-op linked -static", {}};
  Series vforked{"vfork + execv + waitpid, native no-op", {}};
  Series spawned{"posix_spawn + waitpid, native no-op", {}};
  Series namespaced{
      "clone into new pid/mount/net/uts/ipc namespaces + execv + waitpid "
      "(container floor, no runtime)",
      {}};

  // Does this sandbox let us make namespaces at all?
  std::vector<char> clone_stack(64 << 10);
  std::string ns_error;
  try {
    clone_exec(dynamic_exe, clone_stack).wait();
  } catch (const std::exception& e) {
    ns_error = e.what();
  }

  // Warm everything up (page cache, lazy binding, the pool) before recording.
  for (int i = 0; i < 50; ++i) {
    fresh_start(module, config);
    check_ok(warm.call(""), "warm-up call");
    check_ok(pool.call(""), "warm-up pool call");
    fork_exec(dynamic_exe).wait();
  }

  const int per_round = 5;  // in-process samples per round; processes are one per round
  progress("latency: {} rounds of {} in-process samples, alternated with process starts", rounds,
           per_round);
  for (int r = 0; r < rounds; ++r) {
    for (int i = 0; i < per_round; ++i) fresh.add(fresh_start(module, config));
    for (int i = 0; i < per_round; ++i) {
      auto t0 = Clock::now();
      auto f = std::make_unique<faaslet::Faaslet>(proto);
      auto t1 = Clock::now();
      f.reset();
      auto t2 = Clock::now();
      restore.add(t1 - t0);
      discard.add(t2 - t1);
    }
    for (int i = 0; i < per_round; ++i) {
      auto t0 = Clock::now();
      auto f = std::make_unique<faaslet::Faaslet>(scratch_proto);
      restore_tmp.add(Clock::now() - t0);
    }
    if (r % 2 == 0) {
      heavy_fresh.add(fresh_start(heavy, config));
      auto t0 = Clock::now();
      auto f = std::make_unique<faaslet::Faaslet>(heavy_proto);
      heavy_restore.add(Clock::now() - t0);
    }
    for (int i = 0; i < per_round; ++i) {
      auto t0 = Clock::now();
      auto result = warm.call("");
      invoke.add(Clock::now() - t0);
      check_ok(result, "warm call");
      reset.add(warm.last_reset_time());
    }
    for (int i = 0; i < per_round; ++i) {
      auto t0 = Clock::now();
      auto result = pool.call("");
      pooled.add(Clock::now() - t0);
      check_ok(result, "pool call");
    }
    if (r % 2 == 0) {
      auto t0 = Clock::now();
      auto result = faaslet::run_once(module, config, "");
      once.add(Clock::now() - t0);
      check_ok(result, "run_once");
    }

    auto t0 = Clock::now();
    fork_exec(dynamic_exe).wait();
    forked.add(Clock::now() - t0);
    if (static_exe != nullptr) {
      t0 = Clock::now();
      fork_exec(*static_exe).wait();
      forked_static.add(Clock::now() - t0);
    }
    t0 = Clock::now();
    Child(vfork_execv(dynamic_exe.path.c_str(), dynamic_exe.argv.data())).wait();
    vforked.add(Clock::now() - t0);
    t0 = Clock::now();
    spawn(dynamic_exe).wait();
    spawned.add(Clock::now() - t0);
    // Fewer: namespace teardown is asynchronous and would pile up across the run.
    if (ns_error.empty() && r % 4 == 0) {
      t0 = Clock::now();
      clone_exec(static_exe != nullptr ? *static_exe : dynamic_exe, clone_stack).wait();
      namespaced.add(Clock::now() - t0);
    }
  }

  Latency out;
  out.invoke_median = invoke.stats().median;
  out.restore = restore.stats();
  out.reset = reset.stats();
  out.fork = forked.stats();
  out.fork_static = forked_static.stats();
  out.vfork = vforked.stats();
  out.spawn = spawned.stats();
  for (Series* s :
       {&fresh, &once, &restore, &restore_tmp, &heavy_fresh, &heavy_restore, &reset, &discard,
        &invoke, &pooled, &forked, &forked_static, &vforked, &spawned, &namespaced}) {
    if (!s->us.empty()) out.rows.push_back(std::move(*s));
  }

  auto crun = find_in_path("crun");
  std::string why;
  if (!ns_error.empty()) {
    why = fmt::format("creating namespaces fails here ({}), so no container could start", ns_error);
  } else {
    why = "namespaces do work here (see the clone row), so it is only the runtime that is missing";
  }
  bool docker_cli = find_in_path("docker").has_value();
  bool docker_engine = fs::exists("/var/run/docker.sock");
  if (crun) {
    out.container_note = fmt::format(
        "Container start: crun is installed at {} but this benchmark does not build an OCI "
        "bundle for it; the clone row above is the kernel floor.",
        *crun);
  } else {
    out.container_note = fmt::format(
        "Container start: crun is not installed here, and packages are not installed by the "
        "benchmark.{} Besides, {}.",
        docker_cli && !docker_engine
            ? " The docker CLI is present but no Docker engine runs in this sandbox (no "
              "/var/run/docker.sock)."
            : "",
        why);
  }
  return out;
}

struct Throughput {
  std::string layout;
  int cores;
  double calls_per_s;
};

// Each thread owns a few Faaslets and calls them round-robin, closed loop, for `duration`.
// Returns calls per second over all threads.
double sustained(const std::shared_ptr<const faaslet::ProtoFaaslet>& proto, int threads,
                 Ns duration) {
  std::vector<uint64_t> counts(static_cast<size_t>(threads), 0);
  std::vector<std::exception_ptr> errors(static_cast<size_t>(threads));
  std::latch ready(threads + 1);
  std::atomic<bool> go{false};
  Clock::time_point start;
  {
    std::vector<std::jthread> workers;
    for (int t = 0; t < threads; ++t) {
      workers.emplace_back([&, t] {
        bool counted = false;
        try {
          std::vector<std::unique_ptr<faaslet::Faaslet>> own;
          for (int i = 0; i < 4; ++i) own.push_back(std::make_unique<faaslet::Faaslet>(proto));
          for (auto& f : own) check_ok(f->call(""), "warm-up");
          ready.count_down();
          counted = true;
          while (!go.load(std::memory_order_acquire)) {
          }
          auto deadline = start + duration;
          uint64_t n = 0;
          while (Clock::now() < deadline) {
            for (auto& f : own) check_ok(f->call(""), "sustained call");
            n += own.size();
          }
          counts[static_cast<size_t>(t)] = n;
        } catch (...) {
          errors[static_cast<size_t>(t)] = std::current_exception();
          if (!counted) ready.count_down();
        }
      });
    }
    ready.arrive_and_wait();
    start = Clock::now();
    go.store(true, std::memory_order_release);
  }
  for (auto& e : errors) {
    if (e) std::rethrow_exception(e);
  }
  uint64_t total = 0;
  for (auto c : counts) total += c;
  return static_cast<double>(total) / std::chrono::duration<double>(duration).count();
}

// The same loop in forked copies of this process, one thread each: restores that share no
// address space, so no mmap lock or TLB shootdowns between them. Call with no other threads.
double sustained_processes(const std::shared_ptr<const faaslet::ProtoFaaslet>& proto, int processes,
                           Ns duration) {
  const auto start = Clock::now() + std::chrono::milliseconds(100);  // all begin together
  std::vector<std::pair<Child, util::UniqueFd>> children;
  for (int i = 0; i < processes; ++i) {
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) throw Error(fmt::format("pipe: {}", std::strerror(errno)));
    util::UniqueFd reader(fds[0]), writer(fds[1]);
    pid_t pid = fork();
    if (pid == 0) {
      double rate = 0;
      try {
        std::this_thread::sleep_until(start);
        rate = sustained(proto, 1, duration);
      } catch (const std::exception& e) {
        std::cerr << "throughput child: " << e.what() << '\n';
        _exit(1);
      }
      bool sent = write(writer.get(), &rate, sizeof rate) == sizeof rate;
      _exit(sent ? 0 : 1);
    }
    Child child(pid);
    writer.reset();
    children.emplace_back(std::move(child), std::move(reader));
  }
  double total = 0;
  for (auto& [child, reader] : children) {
    double rate = 0;
    if (read(reader.get(), &rate, sizeof rate) != sizeof rate) {
      throw Error("a throughput child died");
    }
    child.wait();
    total += rate;
  }
  return total;
}

struct SweepPoint {
  double target, achieved, p50_us, p99_us, max_us;
  Stats service;  // the call alone, without waiting for its turn
  uint64_t unstarted;
};

constexpr Ns kSpinWindow = std::chrono::microseconds(100);

// Open loop: calls start on a fixed schedule whatever happened before, and latency counts from
// the scheduled start, so a backlog shows up as latency. Calls not started by the end of the
// window are counted as unstarted.
SweepPoint open_loop(const std::shared_ptr<const faaslet::ProtoFaaslet>& proto, double target,
                     int threads, Ns duration) {
  const double period_ns = 1e9 * threads / target;
  std::vector<std::vector<double>> latencies(static_cast<size_t>(threads));
  std::vector<std::vector<double>> services(static_cast<size_t>(threads));
  std::vector<uint64_t> scheduled(static_cast<size_t>(threads), 0);
  std::vector<std::exception_ptr> errors(static_cast<size_t>(threads));
  std::latch ready(threads + 1);
  std::atomic<bool> go{false};
  Clock::time_point start;
  {
    std::vector<std::jthread> workers;
    for (int t = 0; t < threads; ++t) {
      workers.emplace_back([&, t] {
        auto& lat = latencies[static_cast<size_t>(t)];
        auto& service = services[static_cast<size_t>(t)];
        bool counted = false;
        try {
          std::vector<std::unique_ptr<faaslet::Faaslet>> own;
          for (int i = 0; i < 4; ++i) own.push_back(std::make_unique<faaslet::Faaslet>(proto));
          const auto expected = static_cast<size_t>(
              target * 1.1 * std::chrono::duration<double>(duration).count() / threads);
          lat.reserve(expected);
          service.reserve(expected);
          ready.count_down();
          counted = true;
          while (!go.load(std::memory_order_acquire)) {
          }
          auto end = start + duration;
          // Threads interleave their slots so the combined schedule is evenly spaced.
          const double offset = period_ns * t / threads;
          for (uint64_t i = 0;; ++i) {
            auto slot =
                start + Ns(static_cast<int64_t>(offset + period_ns * static_cast<double>(i)));
            if (slot >= end) {
              scheduled[static_cast<size_t>(t)] = i;
              break;
            }
            // Sleep through long gaps so the two workers leave the cores to whatever else must
            // run (else it preempts them for a whole tick); spin the last stretch, since wake-ups
            // are late by tens of microseconds.
            auto now = Clock::now();
            if (slot - now > kSpinWindow) std::this_thread::sleep_until(slot - kSpinWindow);
            while (now < slot) now = Clock::now();
            if (now >= end) {
              scheduled[static_cast<size_t>(t)] = static_cast<uint64_t>(
                  std::ceil((std::chrono::duration<double, std::nano>(duration).count() - offset) /
                            period_ns));
              break;
            }
            check_ok(own[i % own.size()]->call(""), "open-loop call");
            auto done = Clock::now();
            lat.push_back(to_us(done - slot));
            service.push_back(to_us(done - now));
          }
        } catch (...) {
          errors[static_cast<size_t>(t)] = std::current_exception();
          if (!counted) ready.count_down();
        }
      });
    }
    ready.arrive_and_wait();
    start = Clock::now() + std::chrono::milliseconds(1);
    go.store(true, std::memory_order_release);
  }
  for (auto& e : errors) {
    if (e) std::rethrow_exception(e);
  }
  std::vector<double> all, all_service;
  uint64_t planned = 0;
  for (size_t t = 0; t < latencies.size(); ++t) {
    all.insert(all.end(), latencies[t].begin(), latencies[t].end());
    all_service.insert(all_service.end(), services[t].begin(), services[t].end());
    planned += scheduled[t];
  }
  Stats s = stats_of(all);
  double max_us = all.empty() ? 0 : *std::max_element(all.begin(), all.end());
  double seconds = std::chrono::duration<double>(duration).count();
  return SweepPoint{.target = target,
                    .achieved = static_cast<double>(all.size()) / seconds,
                    .p50_us = s.median,
                    .p99_us = s.p99,
                    .max_us = max_us,
                    .service = stats_of(std::move(all_service)),
                    .unstarted = planned - std::min<uint64_t>(planned, all.size())};
}

struct MemoryPoint {
  size_t wanted, reached;
  std::string failure;
  double create_s, call_s, discard_s;
  std::map<std::string, double> kib_per_faaslet;         // right after restore
  std::map<std::string, double> kib_per_called_faaslet;  // after one call and its reset
  double fds_per_faaslet;
};

const std::vector<std::string> kMemoryFields = {"Rss", "Pss", "Private_Clean", "Private_Dirty",
                                                "Anonymous"};

std::map<std::string, long> memory_reading() {
  auto m = read_kb_fields("/proc/self/smaps_rollup");
  auto status = read_kb_fields("/proc/self/status");
  m["VmPTE"] = status["VmPTE"];  // page tables: kernel memory smaps does not show
  return m;
}

std::map<std::string, double> per_faaslet(const std::map<std::string, long>& before,
                                          const std::map<std::string, long>& after, size_t n) {
  std::map<std::string, double> out;
  for (const auto& [k, v] : after) {
    auto it = before.find(k);
    out[k] = static_cast<double>(v - (it == before.end() ? 0 : it->second)) /
             static_cast<double>(std::max<size_t>(n, 1));
  }
  return out;
}

MemoryPoint live_memory(const std::shared_ptr<const faaslet::ProtoFaaslet>& proto, size_t n) {
  MemoryPoint p{};
  p.wanted = n;
  malloc_trim(0);  // so freed heap from earlier steps does not hide new allocations
  auto before = memory_reading();
  size_t fds_before = count_fds();
  std::vector<std::unique_ptr<faaslet::Faaslet>> live;
  live.reserve(n);
  auto t0 = Clock::now();
  try {
    for (size_t i = 0; i < n; ++i) live.push_back(std::make_unique<faaslet::Faaslet>(proto));
  } catch (const std::exception& e) {
    p.failure = e.what();
  }
  auto t1 = Clock::now();
  p.reached = live.size();
  p.kib_per_faaslet = per_faaslet(before, memory_reading(), p.reached);
  p.fds_per_faaslet = static_cast<double>(count_fds() - fds_before) /
                      static_cast<double>(std::max<size_t>(p.reached, 1));
  for (auto& f : live) check_ok(f->call(""), "memory guest call");
  auto t2 = Clock::now();
  p.kib_per_called_faaslet = per_faaslet(before, memory_reading(), p.reached);
  live.clear();
  auto t3 = Clock::now();
  p.create_s = std::chrono::duration<double>(t1 - t0).count();
  p.call_s = std::chrono::duration<double>(t2 - t1).count();
  p.discard_s = std::chrono::duration<double>(t3 - t2).count();
  return p;
}

std::string pass(bool ok) { return ok ? "PASS" : "FAIL"; }

// Collects the markdown that goes to stdout at the end.
struct Report {
  std::string text;
  template <class... Args>
  void operator()(fmt::format_string<Args...> f, Args&&... args) {
    fmt::format_to(std::back_inserter(text), f, std::forward<Args>(args)...);
  }
};

}  // namespace

int main(int argc, char** argv) try {
  const int rounds = argc > 1 ? std::max(1, std::atoi(argv[1])) : 400;
  auto bench_start = Clock::now();

  // Each Faaslet with a /tmp holds a directory descriptor; 10,000 of them need the hard limit.
  rlimit nofile{};
  getrlimit(RLIMIT_NOFILE, &nofile);
  nofile.rlim_cur = nofile.rlim_max;
  if (setrlimit(RLIMIT_NOFILE, &nofile) != 0) {
    progress("cannot raise RLIMIT_NOFILE: {}", std::strerror(errno));
  }

  util::TempDir work(fs::temp_directory_path(), "wasmlet-faaslet-bench");
  const fs::path guests = WASMLET_BENCH_GUESTS_DIR;
  const fs::path noop_src = guests / "noop.c";
  const fs::path heap_src = work.path() / "heap.c";
  {
    std::ofstream out(heap_src);
    out << kHeapGuest;
  }

  progress("compiling guests with `wasmlet cc` and the native no-op with {}", WASMLET_GUEST_CC);
  const fs::path noop_wasm = work.path() / "noop.wasm", heap_wasm = work.path() / "heap.wasm";
  check(util::run_process({WASMLET_EXE_PATH, "cc", noop_src.string(), "-o", noop_wasm.string()}),
        "wasm build of noop.c");
  check(util::run_process({WASMLET_EXE_PATH, "cc", heap_src.string(), "-o", heap_wasm.string()}),
        "wasm build of heap.c");
  Program native_noop((work.path() / "noop-native").string());
  check(util::run_process({WASMLET_GUEST_CC, "-O2", noop_src.string(), "-o", native_noop.path}),
        "native build of noop.c");
  std::optional<Program> static_noop;
  static_noop.emplace((work.path() / "noop-native-static").string());
  if (util::run_process(
          {WASMLET_GUEST_CC, "-O2", "-static", noop_src.string(), "-o", static_noop->path})
          .exit_code != 0) {
    progress("no static native build (no static libc?); skipping that baseline");
    static_noop.reset();
  }

  progress("loading both modules (engine cache in a temp dir, so this compiles them)");
  engine::Engine engine(engine::CompilerConfig{work.path() / "cache"});
  engine::LoadOptions options = faaslet::load_options();
  auto noop_bytes = util::read_file(noop_wasm);
  auto heap_bytes = util::read_file(heap_wasm);
  auto modules = engine.load_batch({noop_bytes, heap_bytes}, options);
  const auto& noop = modules[0];
  const auto& heap = modules[1];
  fs::create_directories(work.path() / "scratch");

  // 1. Latency.
  Latency lat = measure_latency(noop, heap, work.path() / "scratch", native_noop,
                                static_noop ? &*static_noop : nullptr, rounds);

  // 2. Throughput.
  auto proto = std::make_shared<const faaslet::ProtoFaaslet>(noop, faaslet::FunctionConfig{});
  // Two alternated passes of 1 s per layout, 2 s each in all.
  std::vector<Throughput> closed = {{"1 thread", 1, 0},
                                    {"2 threads, one process", 2, 0},
                                    {"2 processes of 1 thread (forked)", 2, 0}};
  const Ns pass_window = std::chrono::seconds(1);
  for (int pass_no = 0; pass_no < 2; ++pass_no) {
    progress("sustained: closed loop, pass {} of 2 (1 s per layout)", pass_no + 1);
    closed[0].calls_per_s += sustained(proto, 1, pass_window) / 2;
    closed[1].calls_per_s += sustained(proto, 2, pass_window) / 2;
    closed[2].calls_per_s += sustained_processes(proto, 2, pass_window) / 2;
  }
  std::vector<SweepPoint> sweep;
  for (double target : {10e3, 50e3, 100e3, 200e3}) {
    progress("open loop: {:.0f} calls/s on 2 threads for 1 s", target);
    sweep.push_back(open_loop(proto, target, 2, std::chrono::seconds(1)));
  }

  // 3. Memory.
  faaslet::FunctionConfig heap_config;
  heap_config.scratch_parent = work.path() / "scratch";
  auto heap_proto = std::make_shared<const faaslet::ProtoFaaslet>(heap, heap_config);
  std::vector<MemoryPoint> memory;
  for (size_t n : {size_t{1000}, size_t{10000}}) {
    progress("memory: {} live Faaslets of the heap guest", n);
    memory.push_back(live_memory(heap_proto, n));
    if (!memory.back().failure.empty()) {
      progress("  stopped at {}: {}", memory.back().reached, memory.back().failure);
    }
  }

  // Report.
  Report out;
  out("## Faaslet benchmark\n\n");
  out("Machine: {}. `./run bench faaslet`, one run; Faaslet figures and process baselines "
      "alternated in {} rounds. No-op guest: `bench/guests/noop.c`; default `FunctionConfig` "
      "(no root, no /tmp) unless a row says otherwise.\n\n",
      machine_line(), rounds);

  out("### Start-up and invoke latency of a no-op\n\n");
  out("| what | median us | p99 us | samples | median / full invoke |\n");
  out("|---|---:|---:|---:|---:|\n");
  for (const auto& row : lat.rows) {
    Stats s = row.stats();
    out("| {} | {:.1f} | {:.1f} | {} | {:.2f} |\n", row.what, s.median, s.p99, s.n,
        s.median / lat.invoke_median);
  }
  out("\n{}\n\n", lat.container_note);
  const double fork_ratio = lat.fork.median / lat.invoke_median;
  const double static_ratio = lat.fork_static.median / lat.invoke_median;
  const double spawn_ratio = lat.spawn.median / lat.invoke_median;
  const double vfork_ratio = lat.vfork.median / lat.invoke_median;
  out("- fork + exec / full invoke: **{:.0f}x** (static binary: {})\n", fork_ratio,
      lat.fork_static.n > 0 ? fmt::format("{:.0f}x", static_ratio) : std::string("not built"));
  out("- posix_spawn / full invoke: **{:.0f}x** (vfork: {:.0f}x)\n\n", spawn_ratio, vfork_ratio);

  out("### Sustained restores (closed loop, each thread calls its own 4 Faaslets)\n\n");
  out("| layout | calls/s | calls/s per core | mean us per call |\n");
  out("|---|---:|---:|---:|\n");
  for (const auto& c : closed) {
    double per_core = c.calls_per_s / c.cores;
    out("| {} | {:.0f} | {:.0f} | {:.2f} |\n", c.layout, c.calls_per_s, per_core, 1e6 / per_core);
  }
  out("\n### Open-loop rate sweep (2 threads, fixed schedule, latency from the scheduled "
      "start)\n\n");
  out("| target calls/s | achieved calls/s | p50 us | p99 us | max us | call alone p50 us | "
      "call alone p99 us | not started in the 1 s window |\n");
  out("|---:|---:|---:|---:|---:|---:|---:|---:|\n");
  for (const auto& s : sweep) {
    out("| {:.0f} | {:.0f} | {:.1f} | {:.1f} | {:.0f} | {:.1f} | {:.1f} | {} |\n", s.target,
        s.achieved, s.p50_us, s.p99_us, s.max_us, s.service.median, s.service.p99, s.unstarted);
  }

  out("\n### Memory per live restored Faaslet\n\n");
  out("Guest: a constructor fills 1 MiB of heap before the snapshot; main reads it and dirties "
      "64 KiB more. Each Faaslet has its own /tmp scratch dir. KiB per Faaslet from "
      "/proc/self/smaps_rollup, and page tables (VmPTE) from /proc/self/status, before and "
      "after creating N: measured idle right after restore, then again after one call and its "
      "reset each (the state of an idle pooled Faaslet).\n\n");
  out("| live Faaslets | state | Rss | Pss | Private_Clean | Private_Dirty | Anonymous | page "
      "tables | fds per Faaslet | seconds to create / call all |\n");
  out("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
  for (const auto& m : memory) {
    std::string n = m.reached == m.wanted
                        ? fmt::format("{}", m.reached)
                        : fmt::format("{} of {} (failed: {})", m.reached, m.wanted, m.failure);
    auto row = [&](const char* state, const std::map<std::string, double>& kib, double seconds) {
      out("| {} | {} |", n, state);
      for (const auto& f : kMemoryFields) out(" {:.2f} |", kib.count(f) ? kib.at(f) : 0.0);
      out(" {:.2f} | {:.2f} | {:.2f} |\n", kib.count("VmPTE") ? kib.at("VmPTE") : 0.0,
          m.fds_per_faaslet, seconds);
    };
    row("restored, idle", m.kib_per_faaslet, m.create_s);
    row("after one call", m.kib_per_called_faaslet, m.call_s);
  }

  // Targets.
  const Stats& restore_stats = lat.restore;
  const Stats& reset_stats = lat.reset;
  // The pooled state (after a call) with its page tables: the worst of the measured ones.
  const MemoryPoint& biggest = memory.back();
  auto private_of = [](const std::map<std::string, double>& kib) {
    return kib.at("Private_Clean") + kib.at("Private_Dirty");
  };
  const double idle_kib = private_of(biggest.kib_per_faaslet);
  const double pooled_kib =
      private_of(biggest.kib_per_called_faaslet) + biggest.kib_per_called_faaslet.at("VmPTE");
  const double per_core = closed[1].calls_per_s / closed[1].cores;
  out("\nTargets: restore (new Faaslet) {:.1f} us / reset {:.1f} us median <= 10 us {}; full "
      "no-op invoke {:.1f} us <= 20 us {}; fork+exec {:.0f}x slower >= 100x {}; private memory "
      "{:.1f} KiB per live Faaslet after a call, page tables included (just restored: {:.1f}; "
      "N={}) <= 16 KiB {}; {:.0f} restores/s per core (2 threads; 1 thread: {:.0f}; 2 processes: "
      "{:.0f}) "
      ">= 50,000 {}.\n",
      restore_stats.median, reset_stats.median, pass(restore_stats.median <= 10), lat.invoke_median,
      pass(lat.invoke_median <= 20), fork_ratio, pass(fork_ratio >= 100), pooled_kib, idle_kib,
      biggest.reached, pass(pooled_kib <= 16), per_core, closed[0].calls_per_s,
      closed[2].calls_per_s / closed[2].cores, pass(per_core >= 50000));

  std::cout << out.text << std::flush;
  progress("done in {:.1f} s", std::chrono::duration<double>(Clock::now() - bench_start).count());
  return 0;
} catch (const std::exception& e) {
  std::cerr << "faaslet_bench: " << e.what() << '\n';
  return 1;
}
