// WASI calls about the process: arguments, environment, clocks, randomness, yielding and
// exit; and the socket calls, which have nothing to act on because no socket can be opened.
#include <sched.h>
#include <sys/random.h>
#include <time.h>

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "host/host_function.h"
#include "host/host_imports.h"
#include "host/wasi/wasi_support.h"

namespace {

using wasmlet::host::GuestExit;
using wasmlet::host::GuestFault;
using wasmlet::host::host_call;
using wasmlet::host::HostContext;
using namespace wasmlet::host::wasi;

// A guest address `offset` bytes past `base`; an address past 4 GiB is the guest's fault.
uint32_t guest_offset(uint32_t base, uint64_t offset) {
  uint64_t p = uint64_t{base} + offset;
  if (p > std::numeric_limits<uint32_t>::max()) throw GuestFault("guest pointer out of bounds");
  return static_cast<uint32_t>(p);
}

// Guest clock ids; both CPU clocks measure the calling thread, which runs the whole guest
// call, so a guest never sees the CPU time of the rest of the host process (other tenants).
bool host_clock(uint32_t id, clockid_t& out) {
  switch (id) {
    case clockid::Realtime:
      out = CLOCK_REALTIME;
      return true;
    case clockid::Monotonic:
      out = CLOCK_MONOTONIC;
      return true;
    case clockid::ProcessCputime:
    case clockid::ThreadCputime:
      out = CLOCK_THREAD_CPUTIME_ID;
      return true;
    default:
      return false;
  }
}

// Writes `strings` as C strings packed at buf, with a pointer to each at ptrs.
void write_string_list(HostContext& h, const std::vector<std::string>& strings, uint32_t ptrs,
                       uint32_t buf) {
  std::string packed;
  for (size_t i = 0; i < strings.size(); ++i) {
    h.memory().store(guest_offset(ptrs, uint64_t{i} * 4), guest_offset(buf, packed.size()));
    packed.append(strings[i]);
    packed.push_back('\0');
  }
  h.memory().write(buf, packed);
}

void write_string_list_sizes(HostContext& h, const std::vector<std::string>& strings,
                             uint32_t count_ptr, uint32_t size_ptr) {
  uint64_t size = 0;
  for (const auto& s : strings) size += s.size() + 1;
  h.memory().store(count_ptr, static_cast<uint32_t>(strings.size()));
  h.memory().store(size_ptr, static_cast<uint32_t>(size));
}

}  // namespace

extern "C" {

// --- arguments and environment ---

uint32_t Z_wasi_snapshot_preview1Z_args_get(void* ctx, uint32_t argv, uint32_t argv_buf) {
  return wasi_call(ctx, [&](HostContext& h) {
    write_string_list(h, h.args(), argv, argv_buf);
    return Errno::Success;
  });
}

uint32_t Z_wasi_snapshot_preview1Z_args_sizes_get(void* ctx, uint32_t argc_ptr, uint32_t size_ptr) {
  return wasi_call(ctx, [&](HostContext& h) {
    write_string_list_sizes(h, h.args(), argc_ptr, size_ptr);
    return Errno::Success;
  });
}

uint32_t Z_wasi_snapshot_preview1Z_environ_get(void* ctx, uint32_t env_ptrs, uint32_t buf) {
  return wasi_call(ctx, [&](HostContext& h) {
    write_string_list(h, h.config().env, env_ptrs, buf);
    return Errno::Success;
  });
}

uint32_t Z_wasi_snapshot_preview1Z_environ_sizes_get(void* ctx, uint32_t count_ptr,
                                                     uint32_t size_ptr) {
  return wasi_call(ctx, [&](HostContext& h) {
    write_string_list_sizes(h, h.config().env, count_ptr, size_ptr);
    return Errno::Success;
  });
}

// --- clocks, randomness, scheduling, process ---

uint32_t Z_wasi_snapshot_preview1Z_clock_res_get(void* ctx, uint32_t id, uint32_t res_ptr) {
  return wasi_call(ctx, [&](HostContext& h) {
    clockid_t c = CLOCK_MONOTONIC;
    if (!host_clock(id, c)) return Errno::Inval;
    timespec ts{};
    if (clock_getres(c, &ts) != 0) return last_errno();
    h.memory().store(res_ptr, static_cast<uint64_t>(ts.tv_sec) * 1'000'000'000u +
                                  static_cast<uint64_t>(ts.tv_nsec));
    return Errno::Success;
  });
}

uint32_t Z_wasi_snapshot_preview1Z_clock_time_get(void* ctx, uint32_t id, uint64_t /*precision*/,
                                                  uint32_t time_ptr) {
  return wasi_call(ctx, [&](HostContext& h) {
    clockid_t c = CLOCK_MONOTONIC;
    if (!host_clock(id, c)) return Errno::Inval;
    h.memory().store(time_ptr, clock_ns(c));
    return Errno::Success;
  });
}

uint32_t Z_wasi_snapshot_preview1Z_random_get(void* ctx, uint32_t buf, uint32_t len) {
  return wasi_call(ctx, [&](HostContext& h) {
    auto dest = h.memory().bytes(buf, len);
    size_t done = 0;
    while (done < dest.size()) {
      ssize_t r = getrandom(dest.data() + done, dest.size() - done, 0);
      if (r < 0) {
        if (errno == EINTR) continue;  // large requests can be interrupted; nothing is lost
        return last_errno();
      }
      done += static_cast<size_t>(r);
    }
    return Errno::Success;
  });
}

uint32_t Z_wasi_snapshot_preview1Z_sched_yield(void* ctx) {
  return wasi_call(ctx, [&](HostContext&) {
    sched_yield();
    return Errno::Success;
  });
}

void Z_wasi_snapshot_preview1Z_proc_exit(void* ctx, uint32_t code) {
  host_call<void>(ctx, [&](HostContext&) { throw GuestExit{static_cast<int>(code)}; });
}

uint32_t Z_wasi_snapshot_preview1Z_proc_raise(void* ctx, uint32_t /*sig*/) {
  return wasi_call(ctx, [&](HostContext&) { return Errno::NoSys; });
}

// --- sockets: no socket can be opened or handed in, so none of these has anything to act on ---

uint32_t Z_wasi_snapshot_preview1Z_sock_accept(void* ctx, uint32_t, uint32_t, uint32_t) {
  return wasi_call(ctx, [&](HostContext&) { return Errno::NoSys; });
}

uint32_t Z_wasi_snapshot_preview1Z_sock_recv(void* ctx, uint32_t, uint32_t, uint32_t, uint32_t,
                                             uint32_t, uint32_t) {
  return wasi_call(ctx, [&](HostContext&) { return Errno::NoSys; });
}

uint32_t Z_wasi_snapshot_preview1Z_sock_send(void* ctx, uint32_t, uint32_t, uint32_t, uint32_t,
                                             uint32_t) {
  return wasi_call(ctx, [&](HostContext&) { return Errno::NoSys; });
}

uint32_t Z_wasi_snapshot_preview1Z_sock_shutdown(void* ctx, uint32_t, uint32_t) {
  return wasi_call(ctx, [&](HostContext&) { return Errno::NoSys; });
}

}  // extern "C"

namespace wasmlet::host {

std::span<const HostFunction> wasi_process_functions() {
  static const HostFunction table[] = {
      WASMLET_HOST_IMPORT(wasi_snapshot_preview1, args_get),
      WASMLET_HOST_IMPORT(wasi_snapshot_preview1, args_sizes_get),
      WASMLET_HOST_IMPORT(wasi_snapshot_preview1, environ_get),
      WASMLET_HOST_IMPORT(wasi_snapshot_preview1, environ_sizes_get),
      WASMLET_HOST_IMPORT(wasi_snapshot_preview1, clock_res_get),
      WASMLET_HOST_IMPORT(wasi_snapshot_preview1, clock_time_get),
      WASMLET_HOST_IMPORT(wasi_snapshot_preview1, random_get),
      WASMLET_HOST_IMPORT(wasi_snapshot_preview1, sched_yield),
      WASMLET_HOST_IMPORT(wasi_snapshot_preview1, proc_exit),
      WASMLET_HOST_IMPORT(wasi_snapshot_preview1, proc_raise),
      WASMLET_HOST_IMPORT(wasi_snapshot_preview1, sock_accept),
      WASMLET_HOST_IMPORT(wasi_snapshot_preview1, sock_recv),
      WASMLET_HOST_IMPORT(wasi_snapshot_preview1, sock_send),
      WASMLET_HOST_IMPORT(wasi_snapshot_preview1, sock_shutdown),
  };
  return table;
}

}  // namespace wasmlet::host
