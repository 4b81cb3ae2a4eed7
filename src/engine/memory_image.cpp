#include "engine/memory_image.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>

#include "util/error.h"

namespace wasmlet::engine {
namespace {

constexpr size_t kWasmPage = 65536;
constexpr size_t kOsPage = 4096;

bool all_zero(const uint8_t* p, size_t n) {
  // Word-wise: images are read once at snapshot time, but CPython's run to tens of MiB.
  const auto* w = reinterpret_cast<const uint64_t*>(p);
  for (size_t i = 0; i < n / sizeof(uint64_t); ++i) {
    if (w[i] != 0) return false;
  }
  return true;
}

// Linux 6.7's PAGEMAP_SCAN (uapi linux/fs.h; Debian 12's headers predate it): one ioctl on
// /proc/self/pagemap lists the pages of a range by category, straight from the page tables.
struct PageRegion {
  uint64_t start, end, categories;
};
struct PmScanArg {
  uint64_t size, flags, start, end, walk_end, vec, vec_len, max_pages, category_inverted,
      category_mask, category_anyof_mask, return_mask;
};
constexpr unsigned long kPagemapScan = _IOWR('f', 16, PmScanArg);
constexpr uint64_t kPageIsFile = 1 << 2;
constexpr uint64_t kPageIsPresent = 1 << 3;

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

// Reverts the pages of [begin, end) that hold private copies (the pages written since the
// memory was first mapped: anonymous, while untouched ones are still the image's own). Up to
// `keep` of them get the image's bytes copied back (zeros when `image` is null: memory grown
// past the image) and stay private and resident, so a call that writes them again takes no
// page fault; `keep` is reduced by as many. The rest are dropped and fault in afresh.
// Untouched pages stay mapped throughout. False when the kernel cannot scan.
bool revert_written_pages(uint8_t* begin, uint8_t* end, const uint8_t* image, size_t& keep) {
  int fd = pagemap_fd();
  if (fd < 0) return false;
  std::array<PageRegion, 64> regions;
  auto from = reinterpret_cast<uint64_t>(begin);
  const auto to = reinterpret_cast<uint64_t>(end);
  while (from < to) {
    PmScanArg arg{};
    arg.size = sizeof arg;
    arg.start = from;
    arg.end = to;
    arg.vec = reinterpret_cast<uint64_t>(regions.data());
    arg.vec_len = regions.size();
    // Present and not file-backed: the copies writes made.
    arg.category_inverted = kPageIsFile;
    arg.category_mask = kPageIsFile | kPageIsPresent;
    arg.return_mask = kPageIsFile | kPageIsPresent;
    long n = ioctl(fd, kPagemapScan, &arg);
    if (n < 0) return false;
    for (long i = 0; i < n; ++i) {
      const PageRegion& r = regions[static_cast<size_t>(i)];
      uint8_t* p = begin + (r.start - reinterpret_cast<uint64_t>(begin));
      size_t len = r.end - r.start;
      size_t copy = std::min(len, keep * kOsPage);
      if (image != nullptr) {
        std::memcpy(p, image + (p - begin), copy);
      } else {
        std::memset(p, 0, copy);
      }
      keep -= copy / kOsPage;
      if (copy < len && madvise(p + copy, len - copy, MADV_DONTNEED) != 0) return false;
    }
    if (arg.walk_end <= from) return false;
    from = arg.walk_end;
  }
  return true;
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

void MemoryImage::restore(wasm_rt_memory_t& memory, bool mapped, size_t keep_pages) const {
  size_t image_bytes = size_t{pages_} * kWasmPage;
  size_t held_bytes = size_t{memory.pages} * kWasmPage;
  bool reverted = mapped && revert_written_pages(memory.data, memory.data + image_bytes, view_.data,
                                                 keep_pages);
  // Memory grown past the image: the pages written there are zeroed (within what is left of
  // the budget) and stay resident behind PROT_NONE, so that growing again costs no faults.
  bool grown_kept = reverted && held_bytes > image_bytes && keep_pages > 0 &&
                    revert_written_pages(memory.data + image_bytes, memory.data + held_bytes,
                                         nullptr, keep_pages) &&
                    mprotect(memory.data + image_bytes, held_bytes - image_bytes, PROT_NONE) == 0;
  if (!reverted && image_bytes > 0 &&
      mmap(memory.data, image_bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_FIXED, fd_.get(),
           0) == MAP_FAILED) {
    throw Error(fmt::format("cannot map a memory image: {}", std::strerror(errno)));
  }
  if (held_bytes > image_bytes && !grown_kept &&
      mmap(memory.data + image_bytes, held_bytes - image_bytes, PROT_NONE,
           MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED, -1, 0) == MAP_FAILED) {
    throw Error(fmt::format("cannot release grown memory: {}", std::strerror(errno)));
  }
  memory.pages = pages_;
  memory.size = static_cast<uint32_t>(image_bytes);
}

}  // namespace wasmlet::engine
