#pragma once
// Trap boundaries: running guest code so that a wasm trap, a deadline or a guard-page fault
// comes back as a value instead of killing the process. All state is per thread, so any number
// of threads run guest code at once, each with its own signal stack and trap point.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace wasmlet::engine {

enum class TrapKind : uint8_t {
  OutOfBounds,
  Unreachable,
  IntegerDivideByZero,
  IntegerOverflow,
  InvalidConversion,
  UndefinedElement,      // call_indirect index past the table's end
  UninitializedElement,  // call_indirect through a null entry
  IndirectCallTypeMismatch,
  StackExhausted,
  Timeout,
  Cancelled,    // the call was cancelled from outside (see interrupt_thread)
  MemoryLimit,  // the instance asked for more memory than its limit allows
  Exit,         // the guest called proc_exit; exit_code holds its status
  HostError,    // a host function failed; message says why
};

// Stable short name, e.g. "out_of_bounds", for logs, JSON and exit messages.
std::string_view trap_kind_id(TrapKind kind);
// The WebAssembly spec's wording, e.g. "out of bounds memory access".
std::string_view trap_kind_message(TrapKind kind);

struct Trap {
  TrapKind kind = TrapKind::Unreachable;
  int exit_code = 0;
  std::string message;  // extra detail; may be empty

  std::string describe() const;
};

struct CallLimits {
  std::chrono::nanoseconds timeout{0};  // 0 = no deadline
  // When set, interrupt_thread() on the running thread stops the call (TrapKind::Cancelled)
  // once this reads true; a call that starts with it already true does not run.
  const std::atomic<bool>* cancel = nullptr;
};

// A thread that may be running guest code, for interrupt_thread().
using ThreadHandle = int;  // the kernel's thread id
ThreadHandle current_thread();
// Asks `thread` to stop its guest call if that call's cancel flag is set: guest code traps at
// once, host code when it returns. Harmless when the thread runs nothing or another call (whose
// flag is not set). The thread must still exist.
void interrupt_thread(ThreadHandle thread);

// Installs the process-wide signal handlers once. Safe to call many times; throws Error when
// sigaction fails (and a later call tries again).
void install_trap_handlers();

// Runs fn(arg) inside a trap boundary; nullopt when it returned normally. Nested boundaries
// (host code calling back into wasm) work; the outermost deadline applies to all of them. A C++
// exception from fn passes through with the thread's trap state restored. Throws Error when the
// thread cannot be set up for traps (signal stack, timer) or the deadline cannot be armed.
std::optional<Trap> call_guarded(void (*fn)(void*), void* arg, const CallLimits& limits = {});

template <class F>
std::optional<Trap> guarded(F&& f, const CallLimits& limits = {}) {
  return call_guarded([](void* p) { (*static_cast<std::remove_reference_t<F>*>(p))(); }, &f,
                      limits);
}

// Runs host code that may call the wasm runtime's allocators (tables, memory), which trap when
// an allocation does not fit: such a trap comes back here as a value. Signals meanwhile only take
// note, and a cancel or deadline noted for an enclosing call stays pending for it, so host code
// of a running call (a nested Faaslet's restore, say) is never interrupted half-way.
std::optional<Trap> call_host_section(void (*fn)(void*), void* arg);

template <class F>
std::optional<Trap> host_section(F&& f) {
  return call_host_section([](void* p) { (*static_cast<std::remove_reference_t<F>*>(p))(); }, &f);
}

// --- For host functions (called from guest code) and the wasm runtime. ---

// Marks the current thread as running host code: a deadline that expires now is deferred until
// leave_host(). Pairs nest: host code may call helpers that enter and leave host code too.
// Returns false (with StackExhausted recorded) when too little native stack is left for host
// code; the caller must then skip its work and raise the trap.
bool enter_host();
// Returns true when this returns the thread to guest code and a trap is pending (deadline
// passed, cancelled, or one was recorded by record_host_trap); false inside outer host code,
// which raises it later.
bool leave_host();
// Whether the current thread runs host code (between enter_host and leave_host).
bool in_host();
// Records a trap to raise once the host function has unwound its C++ objects. A HostError
// recorded after the call's deadline passed or it was cancelled gives way to that stop.
void record_host_trap(TrapKind kind, std::string_view message = {}, int exit_code = 0);
// Longjmps to the innermost trap boundary with the recorded trap. Call only from a frame with
// no live C++ objects that need destruction.
[[noreturn]] void raise_recorded_trap();
// Traps immediately; only from runtime code that holds no resources.
[[noreturn]] void raise_trap(TrapKind kind);

// True when the current call's deadline has passed or it was cancelled (for host code that
// waits).
bool deadline_passed();

// True while the calling thread is inside call_guarded.
bool in_guarded_call();

}  // namespace wasmlet::engine
