#include "engine/trap.h"

#include <fmt/format.h>
#include <pthread.h>
#include <signal.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <csetjmp>
#include <cstdlib>
#include <cstring>
#include <mutex>

#include "engine/memory_registry.h"
#include "util/error.h"

namespace wasmlet::engine {
namespace {

// Host code needs this much native stack below it; less means the guest recursed too deep.
constexpr uintptr_t kHostStackReserve = 128 * 1024;
// Faults this far below a thread's stack are its guard region (the kernel's gap is 1 MiB).
constexpr uintptr_t kStackGuardSpan = 2 * 1024 * 1024;
constexpr size_t kAltStackSize = 64 * 1024;

struct TrapPoint {
  sigjmp_buf jmp;
  TrapPoint* prev;
};

// Per-thread state. Plain types only: the signal handlers read these.
thread_local TrapPoint* t_point = nullptr;
thread_local volatile sig_atomic_t t_in_host = 0;
thread_local volatile sig_atomic_t t_deadline_armed = 0;
thread_local volatile sig_atomic_t t_deadline_expired = 0;
thread_local volatile sig_atomic_t t_pending = 0;
thread_local TrapKind t_kind = TrapKind::Unreachable;
thread_local int t_exit_code = 0;
thread_local uintptr_t t_stack_lo = 0;
thread_local uintptr_t t_stack_hi = 0;
// Detail for the recorded trap; written outside signal handlers only.
thread_local std::string t_message;

int timer_signal() { return SIGRTMIN + 2; }

[[noreturn]] void jump(TrapKind kind) {
  t_kind = kind;
  siglongjmp(t_point->jmp, 1);
}

bool near_stack_guard(uintptr_t addr) {
  return t_stack_lo != 0 && addr < t_stack_lo + 4096 && addr + kStackGuardSpan >= t_stack_lo;
}

struct sigaction g_prev_segv, g_prev_bus;

void on_fault(int sig, siginfo_t* info, void* ucontext) {
  auto addr = reinterpret_cast<uintptr_t>(info->si_addr);
  if (t_point != nullptr) {
    if (memory_registry_contains(addr)) jump(TrapKind::OutOfBounds);
    if (!t_in_host && near_stack_guard(addr)) jump(TrapKind::StackExhausted);
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

void on_timer(int, siginfo_t*, void*) {
  if (t_point == nullptr || !t_deadline_armed) return;
  t_deadline_expired = 1;
  if (t_in_host) return;  // leave_host() raises it once the host function is done
  jump(TrapKind::Timeout);
}

// The per-thread pieces: an alternate signal stack (a stack overflow cannot run its handler on
// the exhausted stack) and a POSIX timer aimed at this thread for deadlines.
class ThreadTrapState {
 public:
  ThreadTrapState() {
    alt_ = mmap(nullptr, kAltStackSize, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (alt_ == MAP_FAILED) throw Error("cannot allocate the signal stack");
    stack_t ss{};
    ss.ss_sp = alt_;
    ss.ss_size = kAltStackSize;
    if (sigaltstack(&ss, &old_) != 0) throw Error("sigaltstack failed");

    pthread_attr_t attr;
    if (pthread_getattr_np(pthread_self(), &attr) == 0) {
      void* addr = nullptr;
      size_t size = 0;
      pthread_attr_getstack(&attr, &addr, &size);
      t_stack_lo = reinterpret_cast<uintptr_t>(addr);
      t_stack_hi = t_stack_lo + size;
      pthread_attr_destroy(&attr);
    }

    sigevent sev{};
    sev.sigev_notify = SIGEV_THREAD_ID;
    sev.sigev_signo = timer_signal();
    sev._sigev_un._tid = gettid();
    if (timer_create(CLOCK_MONOTONIC, &sev, &timer_) != 0) throw Error("timer_create failed");
  }
  ThreadTrapState(const ThreadTrapState&) = delete;
  ThreadTrapState& operator=(const ThreadTrapState&) = delete;
  ~ThreadTrapState() {
    timer_delete(timer_);
    stack_t ss{};
    ss.ss_flags = SS_DISABLE;
    sigaltstack(&ss, nullptr);
    munmap(alt_, kAltStackSize);
  }

  void arm(std::chrono::nanoseconds timeout) {
    itimerspec spec{};
    auto ns = timeout.count();
    spec.it_value.tv_sec = ns / 1000000000;
    spec.it_value.tv_nsec = ns % 1000000000;
    // Re-fire every 10 ms in case the first signal arrived while the guest was in a host call
    // that then returned into a long loop before we could look at the flag.
    spec.it_interval.tv_nsec = 10 * 1000 * 1000;
    timer_settime(timer_, 0, &spec, nullptr);
  }
  void disarm() {
    itimerspec spec{};
    timer_settime(timer_, 0, &spec, nullptr);
  }

 private:
  void* alt_ = nullptr;
  stack_t old_{};
  timer_t timer_{};
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
    struct sigaction sa {};
    sa.sa_sigaction = on_fault;
    // SA_NODEFER: we leave handlers by longjmp without restoring the mask.
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGSEGV, &sa, &g_prev_segv);
    sigaction(SIGBUS, &sa, &g_prev_bus);
    struct sigaction ta {};
    ta.sa_sigaction = on_timer;
    ta.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER | SA_RESTART;
    sigemptyset(&ta.sa_mask);
    sigaction(timer_signal(), &ta, nullptr);
  });
}

std::optional<Trap> call_guarded(void (*fn)(void*), void* arg, const CallLimits& limits) {
  install_trap_handlers();
  ThreadTrapState& state = thread_state();
  const bool outermost = t_point == nullptr;
  const bool saved_in_host = t_in_host;

  TrapPoint point;
  point.prev = t_point;
  if (sigsetjmp(point.jmp, 0) == 0) {
    t_point = &point;
    t_in_host = 0;
    if (outermost) {
      t_deadline_expired = 0;
      t_pending = 0;
      if (limits.timeout.count() > 0) {
        t_deadline_armed = 1;
        state.arm(limits.timeout);
      }
    }
    fn(arg);
    t_point = point.prev;
    t_in_host = saved_in_host;
    if (outermost && t_deadline_armed) {
      t_deadline_armed = 0;
      state.disarm();
    }
    return std::nullopt;
  }
  // Arrived here by siglongjmp from a trap.
  t_point = point.prev;
  t_in_host = saved_in_host;
  if (outermost && t_deadline_armed) {
    t_deadline_armed = 0;
    state.disarm();
  }
  Trap trap;
  trap.kind = t_kind;
  trap.exit_code = t_exit_code;
  trap.message = std::move(t_message);
  t_message.clear();
  t_exit_code = 0;
  return trap;
}

bool enter_host() {
  t_in_host = 1;
  char probe;
  auto sp = reinterpret_cast<uintptr_t>(&probe);
  if (t_stack_lo != 0 && sp < t_stack_lo + kHostStackReserve) {
    record_host_trap(TrapKind::StackExhausted);
    return false;
  }
  return true;
}

bool leave_host() {
  t_in_host = 0;
  if (t_deadline_expired && !t_pending) {
    t_pending = 1;
    t_kind = TrapKind::Timeout;
  }
  return t_pending != 0;
}

void record_host_trap(TrapKind kind, std::string_view message, int exit_code) {
  if (t_pending) return;  // the first reason wins
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

bool deadline_passed() { return t_deadline_expired != 0; }

}  // namespace wasmlet::engine
