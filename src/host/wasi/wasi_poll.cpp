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

// A poll's subscriptions sorted by how they are answered: at once (events), when a clock
// deadline passes (timers), or when the kernel reports an fd ready (pfds).
struct PollSet {
  struct Timer {
    size_t sub;
    uint64_t deadline;
  };
  std::vector<Event> events;
  std::vector<Timer> timers;
  std::vector<pollfd> pfds;
  std::vector<size_t> pfd_sub;                               // the subscription of each pfds entry
  uint64_t earliest = std::numeric_limits<uint64_t>::max();  // of the timers
};

// Sorts the subscriptions; EINVAL for an unknown subscription type.
Errno classify(HostContext& h, const std::vector<Subscription>& subs, PollSet& set) {
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
        set.events.push_back(ev);
      } else {
        set.timers.push_back({i, deadline});
        set.earliest = std::min(set.earliest, deadline);
      }
    } else if (s.tag == eventtype::FdRead || s.tag == eventtype::FdWrite) {
      const FdEntry* e = h.wasi().find(s.id_or_fd);
      if (e == nullptr || !e->has(right::PollFdReadwrite)) {
        ev.error = static_cast<uint16_t>(e == nullptr ? Errno::BadF : Errno::NotCapable);
        set.events.push_back(ev);
      } else if (never_blocks(*e)) {
        set.events.push_back(ready_event(s, *e));
      } else {
        auto what = static_cast<short>(s.tag == eventtype::FdRead ? POLLIN : POLLOUT);
        set.pfds.push_back({e->fd(), what, 0});
        set.pfd_sub.push_back(i);
      }
    } else {
      return Errno::Inval;
    }
  }
  return Errno::Success;
}

// The event of a pfds entry the kernel reported.
Event fd_event(const Subscription& s, short revents) {
  Event ev{};
  ev.userdata = s.userdata;
  ev.type = s.tag;
  if (revents & POLLNVAL) {
    ev.error = static_cast<uint16_t>(Errno::BadF);
  } else if (revents & POLLERR) {
    ev.error = static_cast<uint16_t>(Errno::Io);
  } else if (revents & POLLHUP) {
    ev.flags = kEventFdReadwriteHangup;
  }
  return ev;
}

// Waits until at least one event is due, or the call has to stop, and adds the due events.
// The engine's deadline timer and cancel signal interrupt the wait. When the call has to stop
// (it traps as this host call returns), the earliest clock subscription is reported as fired
// so that a sleeping guest (whose libc does not expect an empty result) never reads an
// unwritten event. Any other interruption, such as the timer re-arming itself for a later
// deadline, only resumes the wait.
Errno wait_for_events(const std::vector<Subscription>& subs, PollSet& set) {
  bool interrupted = false;
  for (;;) {
    const uint64_t now = clock_ns(CLOCK_MONOTONIC);
    std::optional<uint64_t> wait_ns;  // empty: no limit
    if (!set.events.empty()) {
      wait_ns = 0;
    } else if (!set.timers.empty()) {
      wait_ns = set.earliest > now ? set.earliest - now : 0;
    }
    if (!set.pfds.empty() || !wait_ns || *wait_ns > 0) {
      timespec ts{};
      if (wait_ns) {
        ts.tv_sec = static_cast<time_t>(*wait_ns / 1'000'000'000u);
        ts.tv_nsec = static_cast<long>(*wait_ns % 1'000'000'000u);
      }
      int r = ppoll(set.pfds.data(), set.pfds.size(), wait_ns ? &ts : nullptr, nullptr);
      if (r < 0 && errno != EINTR) return last_errno();
      interrupted = r < 0 && wasmlet::engine::deadline_passed();
      for (size_t k = 0; r > 0 && k < set.pfds.size(); ++k) {
        if (set.pfds[k].revents != 0) {
          set.events.push_back(fd_event(subs[set.pfd_sub[k]], set.pfds[k].revents));
        }
      }
    }
    const uint64_t after = clock_ns(CLOCK_MONOTONIC);
    for (const PollSet::Timer& t : set.timers) {
      if (t.deadline <= after || (interrupted && t.deadline == set.earliest)) {
        Event ev{};
        ev.userdata = subs[t.sub].userdata;
        ev.type = eventtype::Clock;
        set.events.push_back(ev);
      }
    }
    if (!set.events.empty() || interrupted) return Errno::Success;
  }
}

Errno poll_oneoff(HostContext& h, uint32_t in, uint32_t out, uint32_t nsubs, uint32_t nevents_ptr) {
  if (nsubs == 0 || nsubs > kMaxSubscriptions) return Errno::Inval;
  const GuestMemory& mem = h.memory();
  auto out_bytes = mem.bytes(out, uint64_t{nsubs} * sizeof(Event));
  std::vector<Subscription> subs(nsubs);
  std::memcpy(subs.data(), mem.bytes(in, uint64_t{nsubs} * sizeof(Subscription)).data(),
              subs.size() * sizeof(Subscription));

  PollSet set;
  if (Errno err = classify(h, subs, set); failed(err)) return err;
  if (Errno err = wait_for_events(subs, set); failed(err)) return err;
  // An empty vector's data() may be null, which memcpy must not be given even for 0 bytes.
  if (!set.events.empty()) {
    std::memcpy(out_bytes.data(), set.events.data(), set.events.size() * sizeof(Event));
  }
  mem.store(nevents_ptr, static_cast<uint32_t>(set.events.size()));
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
