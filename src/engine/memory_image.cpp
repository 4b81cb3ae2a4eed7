#include "engine/memory_image.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <linux/userfaultfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string_view>

#include "engine/grown_stash.h"
#include "engine/memory_registry.h"
#include "util/error.h"
#include "util/thread_serial.h"

namespace wasmlet::engine {
namespace {

constexpr size_t kWasmPage = 65536;
constexpr size_t kOsPage = 4096;
// Untracked resets that skip the kernel's scan (KeptPages) between two that do not.
constexpr uint32_t kShortcutsPerScan = 64;
// Pages the tracked scan tests in the time the untracked one looks one mapped page up.
constexpr size_t kTrackedPagesPerLookup = 16;

bool all_zero(const uint8_t* p, size_t n) {
  // Word-wise: images are read once at snapshot time, but CPython's run to tens of MiB.
  const auto* w = reinterpret_cast<const uint64_t*>(p);
  for (size_t i = 0; i < n / sizeof(uint64_t); ++i) {
    if (w[i] != 0) return false;
  }
  return true;
}

// Linux 6.7's PAGEMAP_SCAN (uapi linux/fs.h; Debian 12's headers predate it): one ioctl on
// /proc/self/pagemap lists the pages of a range by category, straight from the page tables,
// and can write-protect (userfaultfd) the pages it lists.
struct PageRegion {
  uint64_t start, end, categories;
};
struct PmScanArg {
  uint64_t size, flags, start, end, walk_end, vec, vec_len, max_pages, category_inverted,
      category_mask, category_anyof_mask, return_mask;
};
constexpr unsigned long kPagemapScan = _IOWR('f', 16, PmScanArg);
constexpr uint64_t kPmScanCheckWpAsync = 1 << 1;  // fail (EPERM) on a range not registered
constexpr uint64_t kPageIsWritten = 1 << 1;       // not write-protected (userfaultfd)
constexpr uint64_t kPageIsFile = 1 << 2;
constexpr uint64_t kPageIsPresent = 1 << 3;
constexpr uint64_t kPageIsSwapped = 1 << 4;  // swapped out, or being migrated
constexpr uint64_t kPageIsPfnZero = 1 << 5;
// Linux 6.4/6.7's userfaultfd features (likewise missing from Debian 12's headers).
constexpr uint64_t kUffdFeatureWpUnpopulated = 1 << 14;
constexpr uint64_t kUffdFeatureWpAsync = 1 << 15;

// The process's pagemap, opened once; -1 when this kernel cannot scan it.
int pagemap_fd() {
  static const int fd = [] {
    int f = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
    if (f < 0) return -1;
    PmScanArg probe{};
    probe.size = sizeof probe;
    if (ioctl(f, kPagemapScan, &probe) < 0 && errno != EINVAL) {
      close(f);
      return -1;
    }
    return f;
  }();
  return fd;
}

// The process's one userfaultfd, in asynchronous write-protect mode: write faults on protected
// pages are resolved in the kernel (the page becomes "written"), so nothing ever reads it, and
// every tracked memory registers its own reservation with it. Protecting unpopulated pages
// too means a page first read after a reset is mapped protected and is not taken for written.
// -1 when the kernel or its settings do not allow it, or WASMLET_UFFD=0 turns it off.
int write_tracking_fd() {
  static const util::UniqueFd fd = [] {
    const char* setting = std::getenv("WASMLET_UFFD");
    if ((setting != nullptr && std::string_view(setting) == "0") || pagemap_fd() < 0) {
      return util::UniqueFd();
    }
    // Unprivileged processes may only track user-mode faults; async write-protection is
    // resolved without the handler, so writes the kernel makes (read() into a memory) still
    // clear the protection.
    for (int mode : {0, UFFD_USER_MODE_ONLY}) {
      util::UniqueFd f(static_cast<int>(syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK | mode)));
      if (!f) continue;
      uffdio_api api{};
      api.api = UFFD_API;
      api.features = kUffdFeatureWpAsync | kUffdFeatureWpUnpopulated;
      if (ioctl(f.get(), UFFDIO_API, &api) == 0) return f;
      break;  // the kernel lacks the features
    }
    return util::UniqueFd();
  }();
  return fd.get();
}

// Hands the regions of [begin, end) that `arg`'s categories select to
// `fn(start, length, categories)`.
// False when the kernel refuses the scan (EPERM: part of the range is not registered for
// tracking) or `fn` fails.
template <typename Fn>
bool scan_pages(uint8_t* begin, uint8_t* end, PmScanArg arg, Fn&& fn) {
  int fd = pagemap_fd();
  if (fd < 0) return false;
  std::array<PageRegion, 64> regions;
  const auto base = reinterpret_cast<uint64_t>(begin);
  auto from = base;
  const auto to = reinterpret_cast<uint64_t>(end);
  while (from < to) {
    arg.size = sizeof arg;
    arg.start = from;
    arg.end = to;
    arg.vec = reinterpret_cast<uint64_t>(regions.data());
    arg.vec_len = regions.size();
    long n = ioctl(fd, kPagemapScan, &arg);
    if (n < 0) return false;
    for (long i = 0; i < n; ++i) {
      const PageRegion& r = regions[static_cast<size_t>(i)];
      if (!fn(begin + (r.start - base), r.end - r.start, r.categories)) return false;
    }
    if (arg.walk_end <= from) return false;
    from = arg.walk_end;
  }
  return true;
}

// The page faults this thread has taken, or -1 when the kernel will not say.
long thread_faults() {
  rusage usage{};
  if (getrusage(RUSAGE_THREAD, &usage) != 0) return -1;
  return usage.ru_minflt + usage.ru_majflt;
}

// Gives `len` bytes at `p` the image's bytes at `src`, or zeros when `src` is null.
void fill(uint8_t* p, const uint8_t* src, size_t len) {
  if (src != nullptr) {
    std::memcpy(p, src, len);
  } else {
    std::memset(p, 0, len);
  }
}

// Whether the page at `p` holds the image's bytes at `src`. Written pages usually differ at
// one end (a stack's frames sit at its top, an allocator's headers at its bottom), so the ends
// are compared first.
bool holds_image_bytes(const uint8_t* p, const uint8_t* src) {
  constexpr size_t kEnd = 64;
  return std::memcmp(p + kOsPage - kEnd, src + kOsPage - kEnd, kEnd) == 0 &&
         std::memcmp(p, src, kEnd) == 0 && std::memcmp(p, src, kOsPage - kEnd) == 0;
}

// Reverts the private pages [p, p + len) of an untracked memory from the image's bytes at
// `src`. Found by their backing, the pages a reset keeps look written at every later reset, so
// one call that wrote many pages would make every later call copy them all back. Instead a
// page that holds the image's bytes already (an earlier call wrote it, this one did not) is
// given back to the image's mapping, and so is every page past the `keep` budget; the others
// get the image's bytes and stay private. A page given back at one reset and found holding the
// image's bytes again at the next is one the calls rewrite with the same bytes: it stays
// private from then on, so that it does not cost every call a fault.
// The pages that stay private are added to `kept`.
bool revert_or_give_back(uint8_t* p, const uint8_t* src, size_t len, size_t& keep,
                         MemoryImage::GiveBacks& give_backs, size_t first_page,
                         MemoryImage::KeptPages& kept) {
  uint8_t* give_from = nullptr;
  auto give_back = [&](uint8_t* to) {
    if (give_from == nullptr) return true;
    bool ok = madvise(give_from, static_cast<size_t>(to - give_from), MADV_DONTNEED) == 0;
    give_from = nullptr;
    return ok;
  };
  for (size_t off = 0; off < len; off += kOsPage) {
    bool same = keep > 0 && holds_image_bytes(p + off, src + off);
    uint32_t* last = same ? give_backs.last(first_page + off / kOsPage) : nullptr;
    if (same && *last != MemoryImage::GiveBacks::kRewritten) {
      if (*last + 1 != give_backs.reset) {
        *last = give_backs.reset;
        if (give_from == nullptr) give_from = p + off;
        continue;
      }
      *last = MemoryImage::GiveBacks::kRewritten;
    }
    if (!give_back(p + off)) return false;
    if (keep == 0) {
      give_from = p + off;
      continue;
    }
    if (!same) std::memcpy(p + off, src + off, kOsPage);
    --keep;
    kept.add(static_cast<uint32_t>(first_page + off / kOsPage));
  }
  return give_back(p + len);
}

// Selects the pages that are not file-backed and present, swapped out or being migrated
// (compaction, NUMA balancing): the copies writes made. A copy caught in migration is not
// present at that moment, yet holds the call's bytes once the migration ends.
PmScanArg private_copies() {
  PmScanArg arg{};
  arg.category_inverted = kPageIsFile;
  arg.category_mask = kPageIsFile;
  arg.category_anyof_mask = kPageIsPresent | kPageIsSwapped;
  arg.return_mask = kPageIsFile | kPageIsPresent | kPageIsSwapped;
  return arg;
}

// The private copies that are present. In a write-protected range a page never mapped carries
// a userfaultfd marker, which the kernel reports as swapped: the scan above would list every
// such page.
PmScanArg present_private_copies() {
  PmScanArg arg{};
  arg.category_inverted = kPageIsFile;
  arg.category_mask = kPageIsFile | kPageIsPresent;
  arg.return_mask = kPageIsFile | kPageIsPresent;
  return arg;
}

// How a reset finds the private copies among a memory's pages.
enum class Scan {
  kBacking,         // by each mapped page's backing: anonymous or the image's
  kCountingMapped,  // the same, counting the mapped pages too
  kProtection,      // by write protection: the memory's writes are tracked
};

// Reverts the pages of [begin, end) that hold private copies (the pages written since the
// memory was first mapped: anonymous, while untouched ones are still the image's own). Up to
// `keep` of them get the image's bytes copied back (zeros when `image` is null: memory grown
// past the image) and stay private and resident, so a call that writes them again takes no
// page fault; `keep` is reduced by as many. The rest are dropped and fault in afresh.
// Untouched pages stay mapped throughout. Scan::kProtection: the range is registered with
// the write tracking descriptor and everything but the private copies is write-protected, so
// the copies are found from the protection bits alone. Scan::kCountingMapped adds the pages
// mapped at all to `*mapped`. `*run_end`, when given, moves past each kept page that continues
// the run of kept pages ending there. False when the kernel cannot scan.
bool revert_private_pages(uint8_t* begin, uint8_t* end, const uint8_t* image, size_t& keep,
                          Scan scan, size_t* mapped = nullptr,
                          MemoryImage::GiveBacks* give_backs = nullptr,
                          MemoryImage::KeptPages* kept = nullptr, uint8_t** run_end = nullptr) {
  PmScanArg arg{};
  if (scan == Scan::kProtection) {
    // Not protected: the kernel's fast path, a bit test per page. Past the image the memory is
    // anonymous, and a page only read there is the shared zero page, mapped unprotected.
    arg.flags = kPmScanCheckWpAsync;
    arg.category_mask = kPageIsWritten;
    arg.return_mask = kPageIsWritten;
    if (image == nullptr) {
      arg.category_mask |= kPageIsPfnZero;
      arg.category_inverted = kPageIsPfnZero;
    }
  } else if (scan == Scan::kCountingMapped) {
    // Every mapped page, told apart by its backing (which the kernel looks up anyway).
    arg.category_anyof_mask = kPageIsPresent | kPageIsSwapped;
    arg.return_mask = kPageIsFile | kPageIsPresent | kPageIsSwapped;
  } else {
    arg = private_copies();
  }
  return scan_pages(begin, end, arg, [&](uint8_t* p, size_t len, uint64_t categories) {
    if (scan == Scan::kCountingMapped) *mapped += len / kOsPage;
    if ((categories & kPageIsFile) != 0) return true;
    // A copy not mapped right now (swapped out, or being migrated) is dropped, never kept.
    if (scan != Scan::kProtection && (categories & kPageIsSwapped) != 0) {
      return madvise(p, len, MADV_DONTNEED) == 0;
    }
    if (scan == Scan::kBacking && image != nullptr && give_backs != nullptr) {
      return revert_or_give_back(p, image + (p - begin), len, keep, *give_backs,
                                 static_cast<size_t>(p - begin) / kOsPage, *kept);
    }
    size_t copy = std::min(len, keep * kOsPage);
    fill(p, image == nullptr ? nullptr : image + (p - begin), copy);
    keep -= copy / kOsPage;
    if (run_end != nullptr && *run_end == p) *run_end = p + copy;
    if (copy == len) return true;
    if (madvise(p + copy, len - copy, MADV_DONTNEED) != 0) return false;
    if (scan != Scan::kProtection) return true;
    // Protected again, so that they read as untouched.
    uffdio_writeprotect wp{};
    wp.range.start = reinterpret_cast<uint64_t>(p + copy);
    wp.range.len = len - copy;
    wp.mode = UFFDIO_WRITEPROTECT_MODE_WP;
    return ioctl(write_tracking_fd(), UFFDIO_WRITEPROTECT, &wp) == 0;
  });
}

}  // namespace

MemoryImage MemoryImage::capture(const wasm_rt_memory_t& memory) {
  util::UniqueFd fd(memfd_create("wasmlet-memory-image", MFD_CLOEXEC));
  if (!fd) throw Error(fmt::format("memfd_create: {}", std::strerror(errno)));
  size_t bytes = size_t{memory.pages} * kWasmPage;
  if (ftruncate(fd.get(), static_cast<off_t>(bytes)) != 0) {
    throw Error(
        fmt::format("cannot size a memory image of {} bytes: {}", bytes, std::strerror(errno)));
  }
  for (size_t off = 0; off < bytes; off += kOsPage) {
    const uint8_t* page = memory.data + off;
    if (all_zero(page, kOsPage)) continue;
    size_t len = kOsPage;
    while (off + len < bytes && !all_zero(page + len, kOsPage)) len += kOsPage;  // runs of data
    if (pwrite(fd.get(), page, len, static_cast<off_t>(off)) != static_cast<ssize_t>(len)) {
      throw Error(fmt::format("cannot write a memory image: {}", std::strerror(errno)));
    }
    off += len - kOsPage;
  }
  void* view = bytes == 0 ? nullptr : mmap(nullptr, bytes, PROT_READ, MAP_SHARED, fd.get(), 0);
  if (view == MAP_FAILED)
    throw Error(fmt::format("cannot map a memory image: {}", std::strerror(errno)));
  return MemoryImage(std::move(fd), memory.pages, View(static_cast<const uint8_t*>(view), bytes));
}

MemoryImage::View& MemoryImage::View::operator=(View&& o) noexcept {
  std::swap(data, o.data);  // `o` unmaps what this held when it goes
  std::swap(size, o.size);
  return *this;
}

MemoryImage::View::~View() {
  if (data != nullptr) munmap(const_cast<uint8_t*>(data), size);
}

bool MemoryImage::tracks_writes() { return write_tracking_fd() >= 0; }

void MemoryImage::Tracking::arm(uint8_t* data, size_t protect) {
  state_ = State::kDeclined;
  int fd = write_tracking_fd();
  if (fd < 0) return;
  // The whole reservation, so that memory grown later (mprotect keeps the registration) is
  // tracked too.
  uffdio_register reg{};
  reg.range.start = reinterpret_cast<uint64_t>(data);
  reg.range.len = kMemoryReservation;
  reg.mode = UFFDIO_REGISTER_MODE_WP;
  if (ioctl(fd, UFFDIO_REGISTER, &reg) != 0) return;
  auto set_protection = [&](uint8_t* p, size_t len, bool on) {
    uffdio_writeprotect wp{};
    wp.range.start = reinterpret_cast<uint64_t>(p);
    wp.range.len = len;
    wp.mode = on ? UFFDIO_WRITEPROTECT_MODE_WP : 0;
    return ioctl(fd, UFFDIO_WRITEPROTECT, &wp) == 0;
  };
  // Everything but the private copies the last reset kept: those are what every reset
  // reverts, and left writable they cost the calls that write them again no faults. A copy
  // not present (being migrated) stays protected: a reset finds it when it is written.
  if (protect > 0 && (!set_protection(data, protect, true) ||
                      !scan_pages(data, data + protect, present_private_copies(),
                                  [&](uint8_t* p, size_t len, uint64_t) {
                                    return set_protection(p, len, false);
                                  }))) {
    return;
  }
  state_ = State::kArmed;
}

void MemoryImage::restore(wasm_rt_memory_t& memory, bool mapped, size_t keep_pages,
                          Tracking* tracking, bool writes_here) const {
  size_t image_bytes = size_t{pages_} * kWasmPage;
  size_t held_bytes = size_t{memory.pages} * kWasmPage;
  using State = Tracking::State;
  State state = mapped && tracking != nullptr ? tracking->state_ : State::kUndecided;
  bool tracked = state == State::kArmed;
  // Whether tracking pays is decided at the first reset that keeps pages (a Faaslet used once
  // never pays for protecting its image): by how much of the image the calls map.
  bool deciding = state == State::kUndecided && tracking != nullptr && keep_pages > 0;
  Scan scan = tracked ? Scan::kProtection : deciding ? Scan::kCountingMapped : Scan::kBacking;
  size_t mapped_pages = 0;
  GiveBacks* give_backs = nullptr;
  KeptPages* kept = nullptr;
  long faults = -1;
  if (scan == Scan::kBacking && tracking != nullptr) {
    give_backs = &tracking->give_backs_;
    ++give_backs->reset;
    kept = &tracking->kept_;
    // Counted only on the thread that did the last reset and ran the calls since: calls that
    // move between threads would pay for the count and never use it, and a count taken on
    // another thread than the writer's says nothing of the writes.
    if (writes_here && kept->thread == util::this_thread_serial()) faults = thread_faults();
  }
  bool reverted = false;
  // Now and then a full scan all the same: whatever a reset could miss lasts a few calls.
  if (kept != nullptr && mapped && faults >= 0 && kept->faults == faults &&
      ++kept->shortcuts % kShortcutsPerScan != 0) {
    // No page fault on this thread since the last reset began: no page of the memory became
    // private since (a page does so only by a fault, taken by the thread that writes it, and
    // only the thread running a call writes its memory). So the private pages are the ones
    // that reset kept, and the kernel need not be asked.
    reverted = true;
    std::swap(kept->runs, kept->last_runs);
    kept->runs.clear();
    for (auto [first, count] : kept->last_runs) {
      reverted = reverted &&
                 revert_or_give_back(memory.data + size_t{first} * kOsPage,
                                     view_.data + size_t{first} * kOsPage, size_t{count} * kOsPage,
                                     keep_pages, *give_backs, first, *kept);
    }
  } else {
    if (kept != nullptr) kept->runs.clear();
    reverted = mapped && revert_private_pages(memory.data, memory.data + image_bytes, view_.data,
                                              keep_pages, scan, &mapped_pages, give_backs, kept);
  }
  if (kept != nullptr) {
    kept->thread = reverted ? util::this_thread_serial() : 0;
    kept->faults = faults;
  } else if (tracking != nullptr) {
    tracking->kept_.thread = 0;  // found some other way: what it kept is not known
  }
  // Memory grown past the image: the pages written there are zeroed (within what is left of
  // the budget) and stay resident behind PROT_NONE, so that growing again costs no faults.
  bool grown_kept = false;
  if (reverted && held_bytes > image_bytes && keep_pages > 0) {
    uint8_t* grown = memory.data + image_bytes;
    uint8_t* held = memory.data + held_bytes;
    // The run of pages from the image's end that earlier resets kept there is resident still
    // (untracked, each of them is private): zeroed outright, without the kernel's scan. Were
    // one reclaimed since, the store would only map it again.
    size_t known = 0;
    if (tracking != nullptr && !tracked) {
      known = std::min({tracking->grown_run_, held_bytes - image_bytes, keep_pages * kOsPage});
    }
    std::memset(grown, 0, known);
    keep_pages -= known / kOsPage;
    uint8_t* run_end = grown + known;
    grown_kept =
        revert_private_pages(grown + known, held, nullptr, keep_pages,
                             tracked ? scan : Scan::kBacking, nullptr, nullptr, nullptr, &run_end);
    size_t run = static_cast<size_t>(run_end - grown);
    // Untracked, the run goes to the stash (grown_stash.h); a tracked memory's writes are
    // tracked by its reservation's registration, which pages moved out and back would lose.
    if (grown_kept && state == State::kDeclined) {
      grown_kept = stash_grown(memory, image_bytes, run);
    }
    grown_kept = grown_kept && mprotect(grown, held_bytes - image_bytes, PROT_NONE) == 0;
    if (tracking != nullptr) {
      // Pages past `held` this call never reached: those the run held are as the last reset
      // left them.
      tracking->grown_run_ = !grown_kept || tracked ? 0
                             : run_end == held      ? std::max(tracking->grown_run_, run)
                                                    : run;
    }
  }
  bool remap_image = !reverted && image_bytes > 0;
  if (remap_image && mmap(memory.data, image_bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_FIXED,
                          fd_.get(), 0) == MAP_FAILED) {
    throw Error(fmt::format("cannot map a memory image: {}", std::strerror(errno)));
  }
  bool remap_grown = held_bytes > image_bytes && !grown_kept;
  if (remap_grown &&
      mmap(memory.data + image_bytes, held_bytes - image_bytes, PROT_NONE,
           MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED, -1, 0) == MAP_FAILED) {
    throw Error(fmt::format("cannot release grown memory: {}", std::strerror(errno)));
  }
  if (tracking != nullptr) {
    if (!mapped || remap_grown) tracking->grown_run_ = 0;
    if (!mapped || remap_image) {
      tracking->state_ = State::kUndecided;  // a fresh mapping is not registered
    } else if (tracked && remap_grown) {
      tracking->arm(memory.data, 0);  // nor is fresh grown memory
    } else if (deciding && reverted) {
      // The untracked scan looks up the backing of every mapped page, about as long as the
      // tracked one takes to test 16 pages, mapped or not (measured here). A C no-op maps 2
      // of its 1,040 pages; CPython ~500 of its 1,584.
      if (mapped_pages * kTrackedPagesPerLookup >= image_bytes / kOsPage) {
        tracking->arm(memory.data, image_bytes);
      } else {
        tracking->state_ = State::kDeclined;
      }
    }
    if (tracking->state_ != State::kDeclined) drop_stash(memory);
  }
  memory.pages = pages_;
  memory.size = static_cast<uint32_t>(image_bytes);
}

}  // namespace wasmlet::engine
