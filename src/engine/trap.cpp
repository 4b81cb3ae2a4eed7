#include "engine/trap.h"

#include <fmt/format.h>
#include <pthread.h>
#include <signal.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <csetjmp>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iterator>
#include <mutex>
#include <tuple>

#include "engine/memory_registry.h"
#include "util/error.h"

namespace wasmlet::engine {
namespace {

// Host code needs this much native stack below it; less means the guest recursed too deep.
constexpr uintptr_t kHostStackReserve = uintptr_t{128} * 1024;
// Faults this far below a thread's stack are its guard region (the kernel's gap is 1 MiB).
constexpr uintptr_t kStackGuardSpan = uintptr_t{2} * 1024 * 1024;
constexpr size_t kAltStackSize = size_t{64} * 1024;

struct TrapPoint {
  sigjmp_buf jmp;
  TrapPoint* prev;
};

// Per-thread state. Plain types only: the signal handlers read these.
thread_local TrapPoint* t_point = nullptr;
// How deep the thread is in host code: 0 while it runs guest code. A count, so host code that
// calls a runtime helper which enters and leaves host code itself stays host code afterwards.
thread_local volatile sig_atomic_t t_in_host = 0;
thread_local volatile sig_atomic_t t_deadline_armed = 0;
thread_local volatile sig_atomic_t t_deadline_expired = 0;
// The running call's deadline, and when this thread's timer fires next (0: it is not armed),
// both CLOCK_MONOTONIC nanoseconds. The timer is left running after a call: a later call whose
// deadline is no earlier needs no system call, and a firing that finds no call expired only
// re-arms for the current one. Invariant: a nonzero t_timer_fires means the timer fires by then.
thread_local volatile int64_t t_deadline_ns = 0;
thread_local volatile int64_t t_timer_fires = 0;
thread_local timer_t t_timer{};
thread_local const std::atomic<bool>* t_cancel = nullptr;  // the outermost call's flag
thread_local volatile sig_atomic_t t_cancelled = 0;
thread_local volatile sig_atomic_t t_pending = 0;
thread_local TrapKind t_kind = TrapKind::Unreachable;
thread_local int t_exit_code = 0;
thread_local uintptr_t t_stack_lo = 0;
thread_local uintptr_t t_stack_hi = 0;
// Detail for the recorded trap; written outside signal handlers only.
thread_local std::string t_message;

int timer_signal() { return SIGRTMIN + 2; }
int cancel_signal() { return SIGRTMIN + 3; }

[[noreturn]] void jump(TrapKind kind) {
  t_kind = kind;
  t_pending = 0;  // a trap recorded by the code being left is the one this jump reports
  siglongjmp(t_point->jmp, 1);
}

bool near_stack_guard(uintptr_t addr) {
  return t_stack_lo != 0 && addr < t_stack_lo + 4096 && addr + kStackGuardSpan >= t_stack_lo;
}

struct sigaction g_prev_segv, g_prev_bus;

void on_fault(int sig, siginfo_t* info, void* ucontext) {
  auto addr = reinterpret_cast<uintptr_t>(info->si_addr);
  // Only guest code may fault into a guard region: host code checks guest pointers before it
  // uses them, so a fault there is a bug in the host, and longjmp would skip its destructors.
  if (t_point != nullptr && !t_in_host) {
    if (memory_registry_contains(addr)) jump(TrapKind::OutOfBounds);
    if (near_stack_guard(addr)) jump(TrapKind::StackExhausted);
  }
  // Not a wasm fault: a real crash. Hand it to whoever was there before us, or die.
  const struct sigaction& prev = sig == SIGSEGV ? g_prev_segv : g_prev_bus;
  if ((prev.sa_flags & SA_SIGINFO) && prev.sa_sigaction != nullptr) {
    prev.sa_sigaction(sig, info, ucontext);
    return;
  }
  if (prev.sa_handler != SIG_DFL && prev.sa_handler != SIG_IGN && prev.sa_handler != nullptr) {
    prev.sa_handler(sig);
    return;
  }
  signal(sig, SIG_DFL);  // returning re-executes the fault, which now kills the process
}

constexpr int64_t kNanos = 1'000'000'000;
// After a deadline passes, the signal comes again this often until the call has stopped: the
// first may have arrived while the guest was in a host call that then returned into a long
// loop before the flag was looked at.
constexpr int64_t kRefireNanos = 10'000'000;

int64_t monotonic_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t{ts.tv_sec} * kNanos + ts.tv_nsec;
}

// Async-signal-safe. Records the firing time before setting it, so a timer signal that lands in
// between leaves the invariant intact (at worst the timer is armed twice).
void fire_timer_at(int64_t when) {
  t_timer_fires = when;
  itimerspec spec{};
  spec.it_value.tv_sec = when / kNanos;
  spec.it_value.tv_nsec = when % kNanos;
  if (timer_settime(t_timer, TIMER_ABSTIME, &spec, nullptr) != 0) t_timer_fires = 0;
}

void on_timer(int, siginfo_t*, void*) {
  t_timer_fires = 0;  // it fired; nothing is armed until something arms it again
  if (t_point == nullptr || !t_deadline_armed) return;
  int64_t now = monotonic_ns();
  if (now < t_deadline_ns) {
    fire_timer_at(t_deadline_ns);  // armed for an earlier call: follow the running one
    return;
  }
  t_deadline_expired = 1;
  fire_timer_at(now + kRefireNanos);
  if (t_in_host) return;  // leave_host() raises it once the host function is done
  jump(TrapKind::Timeout);
}

// A cancel request reaches whichever call the thread runs now: only one whose flag is set stops.
void on_cancel(int, siginfo_t*, void*) {
  const std::atomic<bool>* flag = t_cancel;
  if (t_point == nullptr || flag == nullptr || !flag->load(std::memory_order_relaxed)) return;
  t_cancelled = 1;
  if (t_in_host) return;  // leave_host() raises it once the host function is done
  jump(TrapKind::Cancelled);
}

// For failures in destructors and on paths that cannot throw.
void report(const char* what) {
  std::fprintf(stderr, "wasmlet: %s: %s\n", what, std::strerror(errno));
}

[[noreturn]] void fail(std::string_view what, int err = errno) {
  throw Error(fmt::format("{}: {}", what, std::strerror(err)));
}

struct StackBounds {
  uintptr_t lo = 0;
  uintptr_t hi = 0;
};

StackBounds current_stack() {
  pthread_attr_t attr;
  if (int rc = pthread_getattr_np(pthread_self(), &attr); rc != 0) fail("pthread_getattr_np", rc);
  void* addr = nullptr;
  size_t size = 0;
  int rc = pthread_attr_getstack(&attr, &addr, &size);
  pthread_attr_destroy(&attr);
  if (rc != 0) fail("pthread_attr_getstack", rc);
  auto lo = reinterpret_cast<uintptr_t>(addr);
  return {lo, lo + size};
}

// An alternate signal stack for this thread: a stack overflow cannot run its handler on the
// exhausted stack. The thread's previous one (sanitizers install their own) comes back after.
class AltStack {
 public:
  AltStack() {
    void* mem =
        mmap(nullptr, kAltStackSize, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (mem == MAP_FAILED) fail("cannot allocate the signal stack");
    stack_t ss{};
    ss.ss_sp = mem;
    ss.ss_size = kAltStackSize;
    if (sigaltstack(&ss, &old_) != 0) {
      int err = errno;
      munmap(mem, kAltStackSize);
      fail("sigaltstack", err);
    }
    mem_ = mem;
  }
  AltStack(const AltStack&) = delete;
  AltStack& operator=(const AltStack&) = delete;
  ~AltStack() {
    // Unmapping a stack still installed would leave the next signal nowhere to run.
    if (sigaltstack(&old_, nullptr) != 0) {
      report("sigaltstack (restoring the previous signal stack)");
      return;
    }
    if (munmap(mem_, kAltStackSize) != 0) report("munmap (signal stack)");
  }

 private:
  void* mem_ = nullptr;
  stack_t old_{};
};

// A POSIX timer that signals this thread, for deadlines (see t_timer_fires).
class DeadlineTimer {
 public:
  DeadlineTimer() {
    sigevent sev{};
    sev.sigev_notify = SIGEV_THREAD_ID;
    sev.sigev_signo = timer_signal();
    sev._sigev_un._tid = gettid();
    if (timer_create(CLOCK_MONOTONIC, &sev, &timer_) != 0) fail("timer_create");
    t_timer = timer_;
    t_timer_fires = 0;
  }
  DeadlineTimer(const DeadlineTimer&) = delete;
  DeadlineTimer& operator=(const DeadlineTimer&) = delete;
  ~DeadlineTimer() {
    if (timer_delete(timer_) != 0) report("timer_delete");
  }

  // Starts a call's deadline. A system call only when the timer would fire too late for it.
  void arm(std::chrono::nanoseconds timeout) {
    int64_t deadline = monotonic_ns() + timeout.count();
    t_deadline_ns = deadline;
    t_deadline_armed = 1;
    int64_t fires = t_timer_fires;
    if (fires != 0 && fires <= deadline) return;
    fire_timer_at(deadline);
    if (t_timer_fires == 0) {
      t_deadline_armed = 0;
      fail("timer_settime");
    }
  }

 private:
  timer_t timer_{};
};

// Everything a thread needs to run guest code, made on its first boundary. Members are built in
// order and a failure destroys the ones already built, so nothing leaks.
class ThreadTrapState {
 public:
  ThreadTrapState() : stack_(current_stack()) {
    t_stack_lo = stack_.lo;
    t_stack_hi = stack_.hi;
  }
  DeadlineTimer& timer() { return timer_; }

 private:
  StackBounds stack_;
  AltStack alt_stack_;
  DeadlineTimer timer_;
};

// Puts the thread's trap state back when a boundary ends, however it ends: a return, a trap
// (siglongjmp back into call_guarded) or a C++ exception thrown through it.
class BoundaryScope {
 public:
  explicit BoundaryScope(bool outermost)
      : prev_(t_point), in_host_(t_in_host), outermost_(outermost) {}
  BoundaryScope(const BoundaryScope&) = delete;
  BoundaryScope& operator=(const BoundaryScope&) = delete;
  ~BoundaryScope() { end(); }

  TrapPoint* prev() const { return prev_; }
  void end() noexcept {
    if (ended_) return;
    ended_ = true;
    // A signal during the switch must find nothing to jump to: while the trap point changes
    // the thread counts as in host code (handlers then only take note), and an outer boundary's
    // point is never paired with this one's guest state.
    t_in_host = 1;
    std::atomic_signal_fence(std::memory_order_seq_cst);
    t_point = prev_;
    std::atomic_signal_fence(std::memory_order_seq_cst);
    t_in_host = in_host_;
    if (outermost_) {
      t_cancel = nullptr;
      t_cancelled = 0;
    }
    // The timer keeps running: its next firing finds no deadline armed and stops.
    if (outermost_) t_deadline_armed = 0;
  }

 private:
  TrapPoint* const prev_;
  const sig_atomic_t in_host_;
  const bool outermost_;
  bool ended_ = false;
};

ThreadTrapState& thread_state() {
  thread_local ThreadTrapState state;
  return state;
}

}  // namespace

std::string_view trap_kind_id(TrapKind kind) {
  switch (kind) {
    case TrapKind::OutOfBounds:
      return "out_of_bounds";
    case TrapKind::Unreachable:
      return "unreachable";
    case TrapKind::IntegerDivideByZero:
      return "integer_divide_by_zero";
    case TrapKind::IntegerOverflow:
      return "integer_overflow";
    case TrapKind::InvalidConversion:
      return "invalid_conversion";
    case TrapKind::UndefinedElement:
      return "undefined_element";
    case TrapKind::UninitializedElement:
      return "uninitialized_element";
    case TrapKind::IndirectCallTypeMismatch:
      return "indirect_call_type_mismatch";
    case TrapKind::StackExhausted:
      return "stack_exhausted";
    case TrapKind::Timeout:
      return "timeout";
    case TrapKind::Cancelled:
      return "cancelled";
    case TrapKind::MemoryLimit:
      return "memory_limit";
    case TrapKind::Exit:
      return "exit";
    case TrapKind::HostError:
      return "host_error";
  }
  return "unknown";
}

std::string_view trap_kind_message(TrapKind kind) {
  switch (kind) {
    case TrapKind::OutOfBounds:
      return "out of bounds memory access";
    case TrapKind::Unreachable:
      return "unreachable executed";
    case TrapKind::IntegerDivideByZero:
      return "integer divide by zero";
    case TrapKind::IntegerOverflow:
      return "integer overflow";
    case TrapKind::InvalidConversion:
      return "invalid conversion to integer";
    case TrapKind::UndefinedElement:
      return "undefined element";
    case TrapKind::UninitializedElement:
      return "uninitialized element";
    case TrapKind::IndirectCallTypeMismatch:
      return "indirect call type mismatch";
    case TrapKind::StackExhausted:
      return "call stack exhausted";
    case TrapKind::Timeout:
      return "time limit exceeded";
    case TrapKind::Cancelled:
      return "call cancelled";
    case TrapKind::MemoryLimit:
      return "memory limit exceeded";
    case TrapKind::Exit:
      return "exit";
    case TrapKind::HostError:
      return "host function failed";
  }
  return "unknown trap";
}

std::string Trap::describe() const {
  if (kind == TrapKind::Exit) return fmt::format("exited with code {}", exit_code);
  if (message.empty()) return std::string(trap_kind_message(kind));
  return fmt::format("{}: {}", trap_kind_message(kind), message);
}

void install_trap_handlers() {
  static std::once_flag once;
  std::call_once(once, [] {
    struct sigaction fault {};
    fault.sa_sigaction = on_fault;
    // SA_NODEFER: we leave handlers by longjmp without restoring the mask.
    fault.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER;
    sigemptyset(&fault.sa_mask);
    struct sigaction timer {};
    timer.sa_sigaction = on_timer;
    timer.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER | SA_RESTART;
    sigemptyset(&timer.sa_mask);
    struct sigaction cancel = timer;
    cancel.sa_sigaction = on_cancel;
    struct sigaction prev_timer {
    }, prev_cancel{};
    const std::tuple<int, const struct sigaction*, struct sigaction*> handlers[] = {
        {SIGSEGV, &fault, &g_prev_segv},
        {SIGBUS, &fault, &g_prev_bus},
        {timer_signal(), &timer, &prev_timer},
        {cancel_signal(), &cancel, &prev_cancel},
    };
    // All or nothing: a later call tries again, and must not record our own handler as the one
    // to hand real crashes to.
    for (size_t i = 0; i < std::size(handlers); ++i) {
      auto [sig, handler, prev] = handlers[i];
      if (sigaction(sig, handler, prev) != 0) {
        int err = errno;
        for (size_t k = 0; k < i; ++k) {
          if (sigaction(std::get<0>(handlers[k]), std::get<2>(handlers[k]), nullptr) != 0) {
            report("sigaction (restoring a signal handler)");
          }
        }
        fail(fmt::format("sigaction({})", sig), err);
      }
    }
  });
}

namespace {

std::optional<Trap> run_guarded(void (*fn)(void*), void* arg, const CallLimits& limits,
                                bool host_code) {
  install_trap_handlers();
  ThreadTrapState& state = thread_state();
  const bool outermost = t_point == nullptr;

  TrapPoint point;
  BoundaryScope scope(outermost);
  point.prev = scope.prev();
  if (sigsetjmp(point.jmp, 0) == 0) {
    t_point = &point;
    if (host_code) {
      // Signals only take note; what they note is raised by the enclosing call, not here.
      t_in_host = t_in_host + 1;
      fn(arg);
      return std::nullopt;
    }
    t_in_host = 0;
    if (outermost) {
      t_deadline_expired = 0;
      t_pending = 0;
      t_cancelled = 0;
      t_cancel = limits.cancel;
      // Set before the handler could see the flag: this call will not run.
      if (t_cancel != nullptr && t_cancel->load()) jump(TrapKind::Cancelled);
      if (limits.timeout.count() > 0) state.timer().arm(limits.timeout);
    } else if (t_cancelled) {
      jump(TrapKind::Cancelled);  // noted while the thread was in host code
    } else if (t_deadline_expired) {
      jump(TrapKind::Timeout);
    }
    fn(arg);
    return std::nullopt;
  }
  // Arrived here by siglongjmp from a trap.
  scope.end();
  Trap trap;
  trap.kind = t_kind;
  trap.exit_code = t_exit_code;
  trap.message = std::move(t_message);
  t_message.clear();
  t_exit_code = 0;
  return trap;
}

}  // namespace

std::optional<Trap> call_guarded(void (*fn)(void*), void* arg, const CallLimits& limits) {
  return run_guarded(fn, arg, limits, false);
}

std::optional<Trap> call_host_section(void (*fn)(void*), void* arg) {
  return run_guarded(fn, arg, CallLimits{}, true);
}

bool enter_host() {
  t_in_host = t_in_host + 1;
  char probe;
  auto sp = reinterpret_cast<uintptr_t>(&probe);
  if (t_stack_lo != 0 && sp < t_stack_lo + kHostStackReserve) {
    record_host_trap(TrapKind::StackExhausted);
    return false;
  }
  return true;
}

bool leave_host() {
  t_in_host = t_in_host - 1;
  // Still inside host code: whatever is pending is raised when that code returns to the guest.
  if (t_in_host != 0) return false;
  if (t_cancelled && !t_pending) {
    t_pending = 1;
    t_kind = TrapKind::Cancelled;
  }
  if (t_deadline_expired && !t_pending) {
    t_pending = 1;
    t_kind = TrapKind::Timeout;
  }
  return t_pending != 0;
}

void record_host_trap(TrapKind kind, std::string_view message, int exit_code) {
  if (t_pending) return;  // the first reason wins
  // A host function that fails once its call is out of time or cancelled failed because of
  // that (its waits end early then): the call reports the stop, which leave_host records.
  if (kind == TrapKind::HostError && (t_deadline_expired != 0 || t_cancelled != 0)) return;
  t_kind = kind;
  t_message.assign(message);
  t_exit_code = exit_code;
  t_pending = 1;
}

void raise_recorded_trap() {
  t_pending = 0;
  if (t_point == nullptr) std::abort();
  siglongjmp(t_point->jmp, 1);
}

void raise_trap(TrapKind kind) {
  if (t_point == nullptr) {
    std::fprintf(stderr, "wasmlet: wasm trap outside a trap boundary: %s\n",
                 std::string(trap_kind_message(kind)).c_str());
    std::abort();
  }
  jump(kind);
}

bool in_guarded_call() { return t_point != nullptr; }

bool in_host() { return t_in_host != 0; }

bool deadline_passed() {
  return t_deadline_expired != 0 || t_cancelled != 0 ||
         (t_cancel != nullptr && t_cancel->load(std::memory_order_relaxed));
}

ThreadHandle current_thread() {
  thread_local const ThreadHandle id = gettid();  // a system call: once per thread
  return id;
}

void interrupt_thread(ThreadHandle thread) {
  install_trap_handlers();  // the signal must never reach a thread with the default action
  if (tgkill(getpid(), thread, cancel_signal()) != 0) fail("tgkill");
}

}  // namespace wasmlet::engine
