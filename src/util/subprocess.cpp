#include "util/subprocess.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <poll.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <iterator>

#include "util/files.h"

extern char** environ;

namespace wasmlet::util {
namespace {

using Clock = ProcessLimits::Clock;

// Steps of the child's set-up, reported through the error pipe when one fails.
enum ChildStep : int { kGroup, kDeathSignal, kLimits, kSignals, kStdio, kCloseFds, kExec };
constexpr const char* kStepNames[] = {"setpgid",       "prctl(PR_SET_PDEATHSIG)", "setrlimit",
                                      "signal set-up", "redirecting stdio",       "close_range",
                                      "exec"};
static_assert(std::size(kStepNames) == kExec + 1);

struct ChildSetup {
  const char* path;
  char* const* argv;
  pid_t parent;
  int null_fd, out_fd, error_fd;
  std::array<std::pair<int, rlimit>, 4> limits;
  size_t limit_count = 0;
};

// Runs in the child between fork and exec: async-signal-safe calls only, no allocation.
[[noreturn]] void exec_child(const ChildSetup& s) {
  // Every descriptor we use is moved above 2 first, so that no dup2 below overwrites one that
  // is still needed (a process may run with 0, 1 or 2 closed).
  const int error_fd = fcntl(s.error_fd, F_DUPFD_CLOEXEC, 3);
  auto fail = [&](ChildStep step) {
    const int report[2] = {step, errno};
    [[maybe_unused]] ssize_t n = write(error_fd, report, sizeof report);
    _exit(127);
  };
  if (setpgid(0, 0) != 0) fail(kGroup);
  if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) fail(kDeathSignal);
  if (getppid() != s.parent) _exit(127);  // the parent died before the death signal was set
  for (size_t i = 0; i < s.limit_count; ++i) {
    if (setrlimit(s.limits[i].first, &s.limits[i].second) != 0) fail(kLimits);
  }
  // Limits must end the program the documented way even if our process ignores these.
  sigset_t none;
  sigemptyset(&none);
  if (signal(SIGXCPU, SIG_DFL) == SIG_ERR || signal(SIGXFSZ, SIG_DFL) == SIG_ERR ||
      signal(SIGPIPE, SIG_DFL) == SIG_ERR || sigprocmask(SIG_SETMASK, &none, nullptr) != 0) {
    fail(kSignals);
  }
  int null_fd = fcntl(s.null_fd, F_DUPFD_CLOEXEC, 3);
  int out_fd = fcntl(s.out_fd, F_DUPFD_CLOEXEC, 3);
  if (null_fd < 0 || out_fd < 0 || dup2(null_fd, STDIN_FILENO) < 0 ||
      dup2(out_fd, STDOUT_FILENO) < 0 || dup2(out_fd, STDERR_FILENO) < 0) {
    fail(kStdio);
  }
  // Descriptors our process opened without O_CLOEXEC (sockets of other clients, say) must not
  // stay open for as long as the program runs.
  if (close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) != 0) fail(kCloseFds);
  execve(s.path, s.argv, environ);
  fail(kExec);
  _exit(127);
}

// argv[0] as a path, looked up in PATH here because the child may not allocate.
std::string find_program(const std::string& name) {
  if (name.find('/') != std::string::npos) return name;
  const char* path = std::getenv("PATH");
  std::string_view dirs = path != nullptr && *path != 0 ? path : "/usr/local/bin:/usr/bin:/bin";
  while (!dirs.empty()) {
    size_t colon = dirs.find(':');
    std::string_view dir = dirs.substr(0, colon);
    dirs = colon == std::string_view::npos ? std::string_view{} : dirs.substr(colon + 1);
    std::string candidate = fmt::format("{}/{}", dir.empty() ? "." : dir, name);
    if (access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  throw SpawnError(fmt::format("cannot run {}: not found", name));
}

// A started child and its process group: killed and reaped on every path out.
class Child {
 public:
  explicit Child(pid_t pid) : pid_(pid) {}
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;
  ~Child() {
    if (pid_ > 0) {
      kill_group();
      reap();
    }
  }

  // Safe until reaped: an unreaped child keeps its pid, and so its group id, from being reused.
  void kill_group() const { ::kill(-pid_, SIGKILL); }
  // Waits for the child itself; returns its status.
  int reap(rusage* usage = nullptr) {
    int status = 0;
    while (wait4(pid_, &status, 0, usage) < 0 && errno == EINTR) {
    }
    pid_ = -1;
    return status;
  }

 private:
  pid_t pid_;
};

UniqueFd open_or_throw(const char* path, int flags) {
  UniqueFd fd(::open(path, flags | O_CLOEXEC));
  if (!fd) throw SpawnError(fmt::format("open {}: {}", path, std::strerror(errno)));
  return fd;
}

std::pair<UniqueFd, UniqueFd> make_pipe() {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) throw SpawnError(fmt::format("pipe: {}", std::strerror(errno)));
  return {UniqueFd(fds[0]), UniqueFd(fds[1])};
}

// Milliseconds until the deadline, rounded up, for poll (-1: none).
int poll_timeout(Clock::time_point deadline) {
  if (deadline == Clock::time_point::max()) return -1;
  auto left = deadline - Clock::now();
  if (left <= Clock::duration::zero()) return 0;
  auto ms = std::chrono::ceil<std::chrono::milliseconds>(left).count();
  return ms > INT_MAX ? INT_MAX : static_cast<int>(ms);
}

void add_rlimits(ChildSetup& setup, const ProcessLimits& limits) {
  auto add = [&](int resource, uint64_t soft, uint64_t hard) {
    setup.limits[setup.limit_count++] = {resource, rlimit{soft, hard}};
  };
  auto cpu = static_cast<uint64_t>(limits.cpu_time.count());
  if (cpu > 0) add(RLIMIT_CPU, cpu, cpu + 1);
  if (limits.address_space > 0) add(RLIMIT_AS, limits.address_space, limits.address_space);
  if (limits.file_size > 0) add(RLIMIT_FSIZE, limits.file_size, limits.file_size);
  add(RLIMIT_CORE, 0, 0);  // a program we kill leaves no core file behind
}

// Throws SpawnError when the child reported through the error pipe that its set-up or exec
// failed (nothing ran); returns once exec succeeded, which closed the pipe.
void check_exec(int error_read, Child& child, const std::string& program) {
  int report[2] = {0, 0};
  ssize_t got;
  while ((got = read(error_read, report, sizeof report)) < 0 && errno == EINTR) {
  }
  if (got != static_cast<ssize_t>(sizeof report)) return;
  child.reap();
  const char* step = report[0] >= 0 && report[0] <= kExec ? kStepNames[report[0]] : "set-up";
  throw SpawnError(fmt::format("cannot run {}: {}: {}", program, step, std::strerror(report[1])));
}

// The child's combined stdout and stderr, kept up to the limit and counted beyond it.
class OutputReader {
 public:
  OutputReader(UniqueFd fd, size_t limit, ProcessResult& result)
      : fd_(std::move(fd)), limit_(limit), result_(result) {}

  bool open() const { return static_cast<bool>(fd_); }
  int fd() const { return fd_ ? fd_.get() : -1; }
  void close() { fd_.reset(); }
  // Reads what arrives within the timeout. False at the end of the output, on an error, or
  // when nothing came.
  bool drain(int timeout_ms) {
    pollfd p{fd_.get(), POLLIN, 0};
    int ready = poll(&p, 1, timeout_ms);
    if (ready <= 0) return ready < 0 && errno == EINTR;
    ssize_t n = read(fd_.get(), buf_.data(), buf_.size());
    if (n < 0) return errno == EINTR || errno == EAGAIN;
    if (n == 0) return false;
    size_t keep = std::min(static_cast<size_t>(n), limit_ - result_.output.size());
    result_.output.append(buf_.data(), keep);
    result_.output_dropped += static_cast<size_t>(n) - keep;
    return true;
  }

 private:
  UniqueFd fd_;
  size_t limit_;
  ProcessResult& result_;
  std::array<char, 16384> buf_{};
};

// Waits until the child exits, a stop is requested or the deadline passes, reading its output
// meanwhile; says which in `result`.
void wait_for_child(int child_fd, int stop_fd, OutputReader& output, Clock::time_point deadline,
                    ProcessResult& result) {
  for (;;) {
    std::array<pollfd, 3> fds = {pollfd{child_fd, POLLIN, 0}, pollfd{stop_fd, POLLIN, 0},
                                 pollfd{output.fd(), POLLIN, 0}};
    if (poll(fds.data(), fds.size(), poll_timeout(deadline)) < 0 && errno != EINTR) {
      throw Error(fmt::format("poll: {}", std::strerror(errno)));
    }
    if (fds[0].revents != 0) return;  // the child exited
    if (fds[1].revents != 0) {
      result.stopped = true;
      return;
    }
    if (Clock::now() >= deadline) {
      result.timed_out = true;
      return;
    }
    if (fds[2].revents != 0 && !output.drain(0)) output.close();
  }
}

void set_exit(ProcessResult& result, int status, const rusage& usage) {
  if (WIFEXITED(status)) {
    result.exit_code = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    result.signal = WTERMSIG(status);
  }
  result.cpu_seconds = static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
                       static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

}  // namespace

ProcessResult run_process(const std::vector<std::string>& argv, const ProcessLimits& limits) {
  if (argv.empty()) throw SpawnError("no program to run");
  // Everything the child needs is prepared here: between fork and exec it may not allocate.
  const std::string path = find_program(argv[0]);
  std::vector<char*> args;
  args.reserve(argv.size() + 1);
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  ChildSetup setup{path.c_str(), args.data(), getpid(), -1, -1, -1, {}, 0};
  add_rlimits(setup, limits);

  UniqueFd null_fd = open_or_throw("/dev/null", O_RDONLY);
  auto [out_read, out_write] = make_pipe();
  auto [error_read, error_write] = make_pipe();
  UniqueFd stop_fd(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  if (!stop_fd) throw SpawnError(fmt::format("eventfd: {}", std::strerror(errno)));
  setup.null_fd = null_fd.get();
  setup.out_fd = out_write.get();
  setup.error_fd = error_write.get();

  pid_t pid = fork();
  if (pid < 0) {
    throw SpawnError(fmt::format("cannot run {}: fork: {}", argv[0], std::strerror(errno)));
  }
  if (pid == 0) exec_child(setup);
  Child child(pid);
  setpgid(pid, pid);  // also here, so the group exists before we might kill it
  out_write.reset();
  error_write.reset();
  null_fd.reset();
  check_exec(error_read.get(), child, argv[0]);

  // A descriptor that polls readable when the child exits (glibc 2.36's pidfd_open wrapper is
  // not declared extern "C").
  UniqueFd child_fd(static_cast<int>(syscall(SYS_pidfd_open, pid, 0)));
  if (!child_fd) throw SpawnError(fmt::format("pidfd_open: {}", std::strerror(errno)));
  std::stop_callback on_stop(
      limits.stop, [fd = stop_fd.get()] { [[maybe_unused]] int rc = eventfd_write(fd, 1); });

  ProcessResult result;
  OutputReader output(std::move(out_read), limits.output_bytes, result);
  wait_for_child(child_fd.get(), stop_fd.get(), output, limits.deadline, result);
  // Whatever the reason we stopped waiting, nothing the program started may outlive it.
  child.kill_group();
  rusage usage{};
  int status = child.reap(&usage);
  // Killed writers close the pipe; one that left the group gets a second, then is ignored.
  auto drain_until = Clock::now() + std::chrono::seconds(1);
  while (output.open() && output.drain(poll_timeout(drain_until))) {
  }
  set_exit(result, status, usage);
  return result;
}

}  // namespace wasmlet::util
