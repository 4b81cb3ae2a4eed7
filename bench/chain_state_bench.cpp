// Chained calls and state reads against what they replace, each baseline measured in the same
// run and alternated with the Wasmlet figures, since the machine is a noisy shared VM.
//   chain: a guest chains a no-op by name and awaits it (timed in the guest), against the same
//          callee over loopback HTTP (keep-alive) and posix_spawn of a native program fed through
//          a pipe; inputs of 0 B, 1 KiB and 1 MiB.
//   state: a guest reads a state value through its mapping and by copy (timed in the guest),
//          against a hiredis GET of the same size from the host to a real redis-server, and the
//          guest's own pull from that Redis through a Redis-backed runtime.
// Progress goes to stderr; stdout gets markdown for docs/benchmarks.md.
#include <arpa/inet.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <hiredis/hiredis.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <spdlog/spdlog.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <filesystem>
#include <fstream>
#include <future>
#include <initializer_list>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "bench_support.h"
#include "redis_server.h"
#include "runtime/runtime.h"
#include "server/http_server.h"
#include "util/error.h"
#include "util/files.h"
#include "util/http_client.h"
#include "util/subprocess.h"

namespace {

using namespace wasmlet::bench;

using namespace wasmlet;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using Ns = std::chrono::nanoseconds;
using namespace std::chrono_literals;

const std::string kUser = "bench";

// Collects the markdown that goes to stdout at the end.
struct Report {
  std::string text;
  template <class... Args>
  void operator()(fmt::format_string<Args...> f, Args&&... args) {
    fmt::format_to(std::back_inserter(text), f, std::forward<Args>(args)...);
  }
};

std::string pass(bool ok) { return ok ? "PASS" : "FAIL"; }

std::string size_name(size_t bytes) {
  if (bytes >= (1u << 20) && bytes % (1u << 20) == 0) return fmt::format("{} MiB", bytes >> 20);
  if (bytes >= 1024 && bytes % 1024 == 0) return fmt::format("{} KiB", bytes >> 10);
  return fmt::format("{} B", bytes);
}

[[noreturn]] void throw_errno(const std::string& what) {
  throw Error(fmt::format("{}: {}", what, std::strerror(errno)));
}

std::vector<unsigned char> build_guest(const fs::path& work, const std::string& name) {
  const fs::path src = fs::path(WASMLET_BENCH_GUESTS_DIR) / (name + ".c");
  const fs::path out = work / (name + ".wasm");
  check(util::run_process({WASMLET_EXE_PATH, "cc", src.string(), "-o", out.string()}),
        "wasm build of " + src.string());
  return util::read_file(out);
}

runtime::CallRecord call_sync(runtime::Runtime& rt, const runtime::FunctionId& fn,
                              std::string input) {
  std::promise<runtime::CallRecord> done;
  auto result = done.get_future();
  rt.submit({fn, std::move(input)}, [&](const runtime::CallRecord& r) { done.set_value(r); });
  return result.get();
}

runtime::CallRecord call_ok(runtime::Runtime& rt, const runtime::FunctionId& fn,
                            std::string input) {
  std::string shown = input.substr(0, 64);  // for the error; the input itself is moved
  auto r = call_sync(rt, fn, std::move(input));
  if (r.status != runtime::CallStatus::Succeeded) {
    throw Error(fmt::format("{} with input '{}' failed: return code {}, {} {}", fn.str(), shown,
                            r.return_code, r.error_kind, r.error_message));
  }
  return r;
}

// A guest's output: one duration in nanoseconds per line.
std::vector<double> samples_us(const std::string& output) {
  std::vector<double> out;
  std::istringstream in(output);
  for (long long ns = 0; in >> ns;) out.push_back(static_cast<double>(ns) / 1000.0);
  return out;
}

// A child process: reaped by wait(), or killed and reaped if the object dies first.
class Child {
 public:
  explicit Child(pid_t pid) : pid_(pid) {
    if (pid_ < 0) throw Error("no child process");
  }
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
      if (errno != EINTR) throw_errno("waitpid");
    }
    pid_ = -1;
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
      throw Error(fmt::format("baseline child ended with status {:#x}", status));
    }
  }

 private:
  pid_t pid_;
};

// ---------------------------------------------------------------------------------------------
// chain

// pipe_reader's argv, built before the clock starts.
struct PipeReader {
  std::string path, size_arg;
  std::vector<char*> argv;
  PipeReader(std::string p, size_t size)
      : path(std::move(p)),
        size_arg(std::to_string(size)),
        argv{path.data(), size_arg.data(), nullptr} {}
  PipeReader(const PipeReader&) = delete;
  PipeReader& operator=(const PipeReader&) = delete;
};

// posix_spawn of the native reader, SIZE bytes written into its stdin, wait for its exit. Not
// fork: its copy of this process's page tables leaves every page write-protected, so whatever
// runs next here would pay a fault per page it writes (the chained call measured after it, 50 us
// more on its first call). glibc's posix_spawn shares the address space until the exec.
Ns spawn_pipe(const PipeReader& program, std::string_view payload) {
  auto t0 = Clock::now();
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) throw_errno("pipe2");
  util::UniqueFd reader(fds[0]), writer(fds[1]);
  posix_spawn_file_actions_t actions;
  if (posix_spawn_file_actions_init(&actions) != 0) throw Error("posix_spawn_file_actions_init");
  int rc = posix_spawn_file_actions_adddup2(&actions, fds[0], STDIN_FILENO);
  pid_t pid = -1;
  if (rc == 0)
    rc = posix_spawn(&pid, program.path.c_str(), &actions, nullptr, program.argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) throw Error(fmt::format("posix_spawn {}: {}", program.path, std::strerror(rc)));
  Child child(pid);
  reader.reset();
  size_t sent = 0;
  while (sent < payload.size()) {
    ssize_t n = write(writer.get(), payload.data() + sent, payload.size() - sent);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw_errno("write to the pipe");
    sent += static_cast<size_t>(n);
  }
  writer.reset();  // EOF for the reader
  child.wait();
  return Clock::now() - t0;
}

struct ChainSize {
  size_t bytes;
  Series chain{
      "**Wasmlet chain + await** (`faasmChainNamed` + `faasmAwaitCall`, timed in the "
      "guest)",
      {}};
  Series chain_here{
      "chain + await, every reset on its call's thread (`RuntimeConfig::hand_over_resets` off)",
      {}};
  Series chain_plain{
      "chain + await, no heap reserve in the snapshot (`FunctionLimits::heap_reserve_bytes` 0)",
      {}};
  Series submit{"host `Runtime::submit` + completion of the callee (no chaining)", {}};
  Series queue{"  of which queued (`CallRecord::queue_time`)", {}};
  Series run{"  of which run: Faaslet from the pool, input, call, reset (`CallRecord::run_time`)",
             {}};
  Series http{"loopback HTTP, keep-alive (`POST /v1/functions/bench/noop_in:invoke`)", {}};
  Series spawn{"posix_spawn of a native reader + SIZE bytes through a pipe + waitpid", {}};
};

int run_chain(int rounds) {
  const int per_round = 10;  // samples of each kind per round and size
  auto bench_start = Clock::now();
  util::TempDir work(fs::temp_directory_path(), "wasmlet-chain-bench");

  progress("compiling noop_in, chain_rt (wasmlet cc) and pipe_reader ({} -O2)", WASMLET_GUEST_CC);
  auto noop_in_wasm = build_guest(work.path(), "noop_in");
  auto chain_rt_wasm = build_guest(work.path(), "chain_rt");
  const std::string reader_exe = (work.path() / "pipe_reader").string();
  check(util::run_process({WASMLET_GUEST_CC, "-O2",
                           (fs::path(WASMLET_BENCH_GUESTS_DIR) / "pipe_reader.c").string(), "-o",
                           reader_exe}),
        "native build of pipe_reader.c");

  runtime::RuntimeConfig config;
  config.data_dir = work.path() / "data";
  runtime::Runtime rt(config);
  // The same chains with no reset handed to an idle executor, for the comparison.
  runtime::RuntimeConfig here_config = config;
  here_config.data_dir = work.path() / "data-here";
  here_config.hand_over_resets = false;
  runtime::Runtime rt_here(here_config);
  // And with no heap reserve: the callee grows its memory for every input it cannot fit.
  runtime::RuntimeConfig plain_config = config;
  plain_config.data_dir = work.path() / "data-plain";
  plain_config.limits.heap_reserve_bytes = 0;
  runtime::Runtime rt_plain(plain_config);
  const runtime::FunctionId noop_in{kUser, "noop_in"}, chain_rt{kUser, "chain_rt"};
  progress("uploading (this compiles both modules)");
  for (runtime::Runtime* r : {&rt, &rt_here, &rt_plain}) {
    r->upload_wasm(noop_in, noop_in_wasm);
    r->upload_wasm(chain_rt, chain_rt_wasm);
  }

  server::ServerConfig server_config;
  server_config.address = "127.0.0.1";
  server_config.port = 0;
  server::HttpServer server(rt, server_config);
  util::HttpClient client("127.0.0.1", server.port());
  const std::string target = "/v1/functions/" + kUser + "/noop_in:invoke";

  std::vector<ChainSize> sizes;
  for (size_t bytes : {size_t{0}, size_t{1} << 10, size_t{1} << 20}) sizes.push_back({bytes});

  auto http_call = [&](const std::string& body) {
    auto t0 = Clock::now();
    auto response = client.request("POST", target, body);
    auto t = Clock::now() - t0;
    if (response.status != 200) {
      throw Error(fmt::format("HTTP invoke answered {}: {}", response.status, response.body));
    }
    return t;
  };

  progress("warming up: every path, every size");
  for (auto& s : sizes) {
    const std::string payload(s.bytes, 'x');
    PipeReader reader(reader_exe, s.bytes);
    call_ok(rt, chain_rt, fmt::format("50 {}", s.bytes));
    call_ok(rt_here, chain_rt, fmt::format("50 {}", s.bytes));
    call_ok(rt_plain, chain_rt, fmt::format("50 {}", s.bytes));
    for (int i = 0; i < 20; ++i) call_ok(rt, noop_in, payload);
    for (int i = 0; i < 20; ++i) http_call(payload);
    for (int i = 0; i < 5; ++i) spawn_pipe(reader, payload);
  }

  progress("measuring: {} rounds x {} samples per path and size, alternated", rounds, per_round);
  for (int r = 0; r < rounds; ++r) {
    for (auto& s : sizes) {
      const std::string payload(s.bytes, 'x');
      PipeReader reader(reader_exe, s.bytes);
      auto out = call_ok(rt, chain_rt, fmt::format("{} {}", per_round, s.bytes)).output;
      auto chained = samples_us(out);
      if (chained.size() != static_cast<size_t>(per_round)) {
        throw Error(fmt::format("chain_rt gave {} samples, not {}", chained.size(), per_round));
      }
      s.chain.us.insert(s.chain.us.end(), chained.begin(), chained.end());
      auto here =
          samples_us(call_ok(rt_here, chain_rt, fmt::format("{} {}", per_round, s.bytes)).output);
      s.chain_here.us.insert(s.chain_here.us.end(), here.begin(), here.end());
      auto plain =
          samples_us(call_ok(rt_plain, chain_rt, fmt::format("{} {}", per_round, s.bytes)).output);
      s.chain_plain.us.insert(s.chain_plain.us.end(), plain.begin(), plain.end());
      for (int i = 0; i < per_round; ++i) {
        std::string input = payload;  // copied before the clock starts: submit takes it
        auto t0 = Clock::now();
        auto record = call_ok(rt, noop_in, std::move(input));
        s.submit.add(Clock::now() - t0);
        s.queue.add(record.queue_time);
        s.run.add(record.run_time);
      }
      for (int i = 0; i < per_round; ++i) s.http.add(http_call(payload));
      for (int i = 0; i < per_round; ++i) s.spawn.add(spawn_pipe(reader, payload));
    }
  }

  Report out;
  out("## Chained calls vs loopback HTTP vs process spawn\n\n");
  out("Machine: {}. `./run bench chain`, one run: {} rounds, each taking {} samples of every "
      "path at every size in turn. Callee `bench/guests/noop_in.c` reads its whole input into a "
      "fresh buffer and returns; the chaining guest `bench/guests/chain_rt.c` times each "
      "`faasmChainNamed` + `faasmAwaitCall` with `clock_gettime(CLOCK_MONOTONIC)`. HTTP goes "
      "through an in-process `HttpServer` on loopback with one keep-alive `HttpClient`; the "
      "process baseline is `bench/guests/pipe_reader.c` built natively ({} -O2), fed SIZE bytes "
      "through a pipe on stdin, started by posix_spawn (vfork + exec) from this process. "
      "Runtime: default `RuntimeConfig` (2 executors, a 4 MiB heap reserve in each snapshot).\n\n",
      machine_line(), rounds, per_round, WASMLET_GUEST_CC);
  out("| input | path | median us | p99 us | samples | median / chain median |\n");
  out("|---|---|---:|---:|---:|---:|\n");
  for (const auto& s : sizes) {
    const double chain_median = s.chain.stats().median;
    for (const Series* row : {&s.chain, &s.chain_here, &s.chain_plain, &s.submit, &s.queue, &s.run,
                              &s.http, &s.spawn}) {
      Stats st = row->stats();
      out("| {} | {} | {:.1f} | {:.1f} | {} | {:.1f} |\n", size_name(s.bytes), row->what, st.median,
          st.p99, st.n, st.median / chain_median);
    }
  }
  out("\n| input | chain median / p99 us | HTTP median / p99 us | spawn+pipe median / p99 "
      "us | HTTP / chain | spawn / chain |\n");
  out("|---|---:|---:|---:|---:|---:|\n");
  for (const auto& s : sizes) {
    Stats c = s.chain.stats(), h = s.http.stats(), f = s.spawn.stats();
    out("| {} | {:.1f} / {:.1f} | {:.1f} / {:.1f} | {:.1f} / {:.1f} | {:.1f}x | {:.1f}x |\n",
        size_name(s.bytes), c.median, c.p99, h.median, h.p99, f.median, f.p99, h.median / c.median,
        f.median / c.median);
  }

  const Stats empty = sizes.front().chain.stats(), big = sizes.back().chain.stats();
  out("\nTargets: empty chained call {:.1f} us median <= 8 us {}; 1 MiB chained call {:.1f} us "
      "median <= 150 us {}; >= 20x faster than loopback HTTP:",
      empty.median, pass(empty.median <= 8), big.median, pass(big.median <= 150));
  for (const auto& s : sizes) {
    double ratio = s.http.stats().median / s.chain.stats().median;
    out(" {} {:.1f}x {}{}", size_name(s.bytes), ratio, pass(ratio >= 20),
        &s == &sizes.back() ? "." : ";");
  }
  out("\n");

  std::cout << out.text << std::flush;
  progress("done in {:.1f} s", std::chrono::duration<double>(Clock::now() - bench_start).count());
  return 0;
}

// ---------------------------------------------------------------------------------------------
// state

struct RedisFree {
  void operator()(redisContext* c) const { redisFree(c); }
};
struct ReplyFree {
  void operator()(redisReply* r) const { freeReplyObject(r); }
};
using RedisConnection = std::unique_ptr<redisContext, RedisFree>;
using RedisReply = std::unique_ptr<redisReply, ReplyFree>;

RedisReply redis_command(redisContext* c, std::initializer_list<std::string_view> args) {
  std::vector<const char*> argv;
  std::vector<size_t> lengths;
  for (std::string_view a : args) {
    argv.push_back(a.data());
    lengths.push_back(a.size());
  }
  RedisReply reply(static_cast<redisReply*>(
      redisCommandArgv(c, static_cast<int>(argv.size()), argv.data(), lengths.data())));
  if (!reply) throw Error(fmt::format("Redis: {}", c->errstr));
  if (reply->type == REDIS_REPLY_ERROR) throw Error(fmt::format("Redis: {}", reply->str));
  return reply;
}

struct StateSize {
  size_t bytes;
  Series local{"guest: sum of a buffer in its own memory (no state call; the floor)", {}};
  Series ptr{"**guest: `faasmReadStatePtr` + sum**", {}};
  Series ptr_first{"guest: `faasmReadStatePtr` + sum, first read of a call (maps the value)", {}};
  Series copy{"**guest: `faasmReadState` copy + sum**", {}};
  Series copy_first{"guest: `faasmReadState` copy + sum, first read of a call", {}};
  Series pull{"guest, Redis-backed runtime: `faasmPullState` + `faasmReadStatePtr` + sum", {}};
  // Not summed: the host's reply is already a copy of the bytes, and a fair host sum would
  // need a vectorised loop. The guest rows do more work than this one.
  Series get{"**host: hiredis `GET`** (value copied into the reply, reply freed)", {}};
};

int run_state(int rounds) {
  const int reps = 20;  // guest repetitions per call, and host GETs per round
  auto bench_start = Clock::now();
  util::TempDir work(fs::temp_directory_path(), "wasmlet-state-bench");

  progress("starting redis-server");
  test::RedisServer redis;
  RedisConnection conn(redisConnect("127.0.0.1", redis.port()));
  if (!conn || conn->err != 0) {
    throw Error(fmt::format("cannot connect to Redis: {}", conn ? conn->errstr : "no memory"));
  }

  progress("compiling state_read (wasmlet cc)");
  auto state_read_wasm = build_guest(work.path(), "state_read");
  const runtime::FunctionId state_read{kUser, "state_read"};

  // Runtime A keeps state in process; runtime B's global tier is the Redis above.
  runtime::RuntimeConfig local_config;
  local_config.data_dir = work.path() / "data-local";
  runtime::Runtime local_rt(local_config);
  runtime::RuntimeConfig redis_config;
  redis_config.data_dir = work.path() / "data-redis";
  redis_config.state_url = redis.url();
  runtime::Runtime redis_rt(redis_config);
  progress("uploading to both runtimes");
  local_rt.upload_wasm(state_read, state_read_wasm);
  redis_rt.upload_wasm(state_read, state_read_wasm);

  std::vector<StateSize> sizes;
  for (size_t bytes : {size_t{1} << 10, size_t{64} << 10, size_t{1} << 20}) {
    sizes.push_back({bytes});
    // Every byte 1: each reader checks that its sum is the size.
    std::string value(bytes, '\1');
    const std::string key = fmt::format("v{}", bytes);
    local_rt.state().put(kUser, key, value);
    redis_rt.state().put(kUser, key, value);
    redis_command(conn.get(), {"SET", "host:" + key, value});
  }

  auto guest = [&](runtime::Runtime& rt, const char* mode, size_t bytes) {
    auto out = call_ok(rt, state_read, fmt::format("{} {} {}", mode, bytes, reps)).output;
    auto samples = samples_us(out);
    if (samples.size() != static_cast<size_t>(reps)) {
      throw Error(fmt::format("state_read gave {} samples, not {}", samples.size(), reps));
    }
    return samples;
  };
  // Each call's first repetition is kept apart (or dropped): it maps the segment or faults in
  // the buffer, which later repetitions of the same call do not.
  auto split = [](const std::vector<double>& samples, Series* first, Series& later) {
    if (first != nullptr) first->us.push_back(samples.front());
    later.us.insert(later.us.end(), samples.begin() + 1, samples.end());
  };
  auto host_get = [&](const std::string& key, size_t bytes) {
    auto t0 = Clock::now();
    RedisReply reply = redis_command(conn.get(), {"GET", key});
    if (reply->type != REDIS_REPLY_STRING || reply->len != bytes) {
      throw Error(fmt::format("Redis GET {} gave the wrong value", key));
    }
    reply.reset();
    return Clock::now() - t0;
  };

  auto measure_round = [&](StateSize& s) {
    const std::string host_key = fmt::format("host:v{}", s.bytes);
    split(guest(local_rt, "local", s.bytes), nullptr, s.local);
    split(guest(local_rt, "ptr", s.bytes), &s.ptr_first, s.ptr);
    for (int i = 0; i < reps / 2; ++i) s.get.add(host_get(host_key, s.bytes));
    split(guest(local_rt, "copy", s.bytes), &s.copy_first, s.copy);
    split(guest(redis_rt, "pull", s.bytes), nullptr, s.pull);
    for (int i = 0; i < reps - reps / 2; ++i) s.get.add(host_get(host_key, s.bytes));
  };

  progress("warming up");
  for (auto& s : sizes) {
    StateSize scratch{s.bytes};
    for (int i = 0; i < 3; ++i) measure_round(scratch);
  }
  progress(
      "measuring: {} rounds; each a call of {} repetitions per guest mode and {} host GETs, "
      "per size",
      rounds, reps, reps);
  for (int r = 0; r < rounds; ++r) {
    for (auto& s : sizes) measure_round(s);
  }

  Report out;
  out("## State reads vs Redis GET\n\n");
  out("Machine: {}. `./run bench state`, one run: {} rounds, each a call of `bench/guests/"
      "state_read.c` with {} repetitions per mode and size, alternated with {} host GETs. Every "
      "read sums all bytes of the value (the guest checks the sum), and is timed in the guest "
      "with `clock_gettime(CLOCK_MONOTONIC)`. Guest rows other than 'first read' leave out each "
      "call's first repetition. The host reads a key of the same size with hiredis (`GET`, "
      "the value copied into the reply but not summed, so the guest rows do more work) from a "
      "redis-server on loopback started by the benchmark; the Redis-backed runtime "
      "(`state_url` = that server) pulls its own key from it.\n\n",
      machine_line(), rounds, reps, reps);
  out("| value | read | median us | p99 us | samples | Redis GET median / this median |\n");
  out("|---|---|---:|---:|---:|---:|\n");
  for (const auto& s : sizes) {
    const double get_median = s.get.stats().median;
    for (const Series* row :
         {&s.local, &s.ptr, &s.ptr_first, &s.copy, &s.copy_first, &s.pull, &s.get}) {
      Stats st = row->stats();
      out("| {} | {} | {:.2f} | {:.2f} | {} | {:.1f} |\n", size_name(s.bytes), row->what, st.median,
          st.p99, st.n, get_median / st.median);
    }
  }
  out("\n| value | mapped ptr + sum median / p99 us | copy + sum median / p99 us | Redis GET "
      "median / p99 us | GET / ptr | GET / copy | ptr minus the local-sum floor us |\n");
  out("|---|---:|---:|---:|---:|---:|---:|\n");
  for (const auto& s : sizes) {
    Stats p = s.ptr.stats(), c = s.copy.stats(), g = s.get.stats(), l = s.local.stats();
    out("| {} | {:.2f} / {:.2f} | {:.2f} / {:.2f} | {:.2f} / {:.2f} | {:.1f}x | {:.1f}x | {:.2f} "
        "|\n",
        size_name(s.bytes), p.median, p.p99, c.median, c.p99, g.median, g.p99, g.median / p.median,
        g.median / c.median, p.median - l.median);
  }
  std::cout << out.text << std::flush;
  progress("done in {:.1f} s", std::chrono::duration<double>(Clock::now() - bench_start).count());
  return 0;
}

}  // namespace

int main(int argc, char** argv) try {
  const std::string mode = argc > 1 ? argv[1] : "";
  // A reader that dies mid-write must fail the run with a message, not kill it with SIGPIPE.
  signal(SIGPIPE, SIG_IGN);
  // The server logs every request at info, on stdout, which is for the report.
  spdlog::set_level(spdlog::level::warn);
  if (mode == "chain") return run_chain(argc > 2 ? std::max(1, std::atoi(argv[2])) : 60);
  if (mode == "state") return run_state(argc > 2 ? std::max(1, std::atoi(argv[2])) : 100);
  std::cerr << "usage: chain_state_bench chain|state [ROUNDS]\n";
  return 2;
} catch (const std::exception& e) {
  std::cerr << "chain_state_bench: " << e.what() << '\n';
  return 1;
}
