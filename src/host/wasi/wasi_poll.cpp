// WASI poll_oneoff: clock and fd subscriptions. Files, directories and stdio never block, so
// only clocks make a poll wait.
#include <poll.h>
#include <sys/stat.h>
#include <time.h>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <vector>

#include "engine/trap.h"
#include "host/host_function.h"
#include "host/host_imports.h"
#include "host/wasi/wasi_support.h"

namespace {

using wasmlet::host::GuestMemory;
using wasmlet::host::HostContext;
using namespace wasmlet::host::wasi;

// More subscriptions than any real program polls at once; bounds the host memory one call uses.
constexpr uint32_t kMaxSubscriptions = 1 << 16;

// When a clock subscription fires, as a monotonic-clock time.
Errno clock_deadline(const Subscription& s, uint64_t now_mono, uint64_t& deadline) {
  uint64_t rel = s.timeout;
  if (s.id_or_fd == clockid::Realtime || s.id_or_fd == clockid::Monotonic) {
    if (s.flags & kSubclockAbstime) {
      uint64_t now = s.id_or_fd == clockid::Realtime ? clock_ns(CLOCK_REALTIME) : now_mono;
      rel = s.timeout > now ? s.timeout - now : 0;
    }
  } else if (s.id_or_fd == clockid::ProcessCputime || s.id_or_fd == clockid::ThreadCputime) {
    return Errno::NotSup;  // sleeping until a CPU clock reaches a value is meaningless here
  } else {
    return Errno::Inval;
  }
  deadline = now_mono + std::min(rel, std::numeric_limits<uint64_t>::max() - now_mono);
  return Errno::Success;
}

// An fd subscription on something that never blocks: stdio, regular files, directories.
bool never_blocks(const FdEntry& e) {
  return e.kind != FdKind::Host || e.filetype == filetype::RegularFile || e.is_directory();
}

Event ready_event(const Subscription& s, const FdEntry& e) {
  Event ev{};
  ev.userdata = s.userdata;
  ev.type = s.tag;
  if (e.kind == FdKind::Stdin && s.tag == eventtype::FdRead) {
    ev.flags = kEventFdReadwriteHangup;  // stdin is at end of file
  } else if (e.filetype == filetype::RegularFile && s.tag == eventtype::FdRead) {
    struct stat st {};
    off_t pos = lseek(e.fd(), 0, SEEK_CUR);
    if (fstat(e.fd(), &st) == 0 && pos >= 0 && st.st_size > pos) {
      ev.nbytes = static_cast<uint64_t>(st.st_size - pos);
    }
  }
  return ev;
}

Errno poll_oneoff(HostContext& h, uint32_t in, uint32_t out, uint32_t nsubs, uint32_t nevents_ptr) {
  if (nsubs == 0 || nsubs > kMaxSubscriptions) return Errno::Inval;
  const GuestMemory& mem = h.memory();
  auto out_bytes = mem.bytes(out, uint64_t{nsubs} * sizeof(Event));
  std::vector<Subscription> subs(nsubs);
  std::memcpy(subs.data(), mem.bytes(in, uint64_t{nsubs} * sizeof(Subscription)).data(),
              subs.size() * sizeof(Subscription));

  std::vector<Event> events;
  struct Timer {
    size_t sub;
    uint64_t deadline;
  };
  std::vector<Timer> timers;
  std::vector<pollfd> pfds;
  std::vector<size_t> pfd_sub;
  const uint64_t start = clock_ns(CLOCK_MONOTONIC);
  for (size_t i = 0; i < subs.size(); ++i) {
    const Subscription& s = subs[i];
    Event ev{};
    ev.userdata = s.userdata;
    ev.type = s.tag;
    if (s.tag == eventtype::Clock) {
      uint64_t deadline = 0;
      if (Errno err = clock_deadline(s, start, deadline); failed(err)) {
        ev.error = static_cast<uint16_t>(err);
        events.push_back(ev);
      } else {
        timers.push_back({i, deadline});
      }
    } else if (s.tag == eventtype::FdRead || s.tag == eventtype::FdWrite) {
      const FdEntry* e = h.wasi().find(s.id_or_fd);
      if (e == nullptr || !e->has(right::PollFdReadwrite)) {
        ev.error = static_cast<uint16_t>(e == nullptr ? Errno::BadF : Errno::NotCapable);
        events.push_back(ev);
      } else if (never_blocks(*e)) {
        events.push_back(ready_event(s, *e));
      } else {
        auto what = static_cast<short>(s.tag == eventtype::FdRead ? POLLIN : POLLOUT);
        pfds.push_back({e->fd(), what, 0});
        pfd_sub.push_back(i);
      }
    } else {
      return Errno::Inval;
    }
  }

  uint64_t earliest = std::numeric_limits<uint64_t>::max();
  for (const Timer& t : timers) earliest = std::min(earliest, t.deadline);
  // The engine's deadline timer and cancel signal interrupt the wait. When the call has to stop
  // (it traps as this host call returns), the earliest clock subscription is reported as fired
  // so that a sleeping guest (whose libc does not expect an empty result) never reads an
  // unwritten event. Any other interruption, such as the timer re-arming itself for a later
  // deadline, only resumes the wait.
  bool interrupted = false;
  for (;;) {
    const uint64_t now = clock_ns(CLOCK_MONOTONIC);
    std::optional<uint64_t> wait_ns;  // empty: no limit
    if (!events.empty()) {
      wait_ns = 0;
    } else if (!timers.empty()) {
      wait_ns = earliest > now ? earliest - now : 0;
    }
    if (!pfds.empty() || !wait_ns || *wait_ns > 0) {
      timespec ts{};
      if (wait_ns) {
        ts.tv_sec = static_cast<time_t>(*wait_ns / 1'000'000'000u);
        ts.tv_nsec = static_cast<long>(*wait_ns % 1'000'000'000u);
      }
      int r = ppoll(pfds.data(), pfds.size(), wait_ns ? &ts : nullptr, nullptr);
      if (r < 0 && errno != EINTR) return last_errno();
      interrupted = r < 0 && wasmlet::engine::deadline_passed();
      for (size_t k = 0; r > 0 && k < pfds.size(); ++k) {
        if (pfds[k].revents == 0) continue;
        const Subscription& s = subs[pfd_sub[k]];
        Event ev{};
        ev.userdata = s.userdata;
        ev.type = s.tag;
        if (pfds[k].revents & POLLNVAL) {
          ev.error = static_cast<uint16_t>(Errno::BadF);
        } else if (pfds[k].revents & POLLERR) {
          ev.error = static_cast<uint16_t>(Errno::Io);
        } else if (pfds[k].revents & POLLHUP) {
          ev.flags = kEventFdReadwriteHangup;
        }
        events.push_back(ev);
      }
    }
    const uint64_t after = clock_ns(CLOCK_MONOTONIC);
    for (const Timer& t : timers) {
      if (t.deadline <= after || (interrupted && t.deadline == earliest)) {
        Event ev{};
        ev.userdata = subs[t.sub].userdata;
        ev.type = eventtype::Clock;
        events.push_back(ev);
      }
    }
    if (!events.empty() || interrupted) break;
  }

  // An empty vector's data() may be null, which memcpy must not be given even for 0 bytes.
  if (!events.empty()) std::memcpy(out_bytes.data(), events.data(), events.size() * sizeof(Event));
  mem.store(nevents_ptr, static_cast<uint32_t>(events.size()));
  return Errno::Success;
}

}  // namespace

extern "C" {

uint32_t Z_wasi_snapshot_preview1Z_poll_oneoff(void* ctx, uint32_t in, uint32_t out, uint32_t nsubs,
                                               uint32_t nevents_ptr) {
  return wasi_call(ctx,
                   [&](HostContext& h) { return poll_oneoff(h, in, out, nsubs, nevents_ptr); });
}

}  // extern "C"

namespace wasmlet::host {

std::span<const HostFunction> wasi_poll_functions() {
  static const HostFunction table[] = {
      WASMLET_HOST_IMPORT(wasi_snapshot_preview1, poll_oneoff),
  };
  return table;
}

}  // namespace wasmlet::host
