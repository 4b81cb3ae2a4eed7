#include "engine/memory_image.h"

#include <fmt/format.h>
#include <sys/mman.h>
#include <unistd.h>

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
  return MemoryImage(std::move(fd), memory.pages);
}

void MemoryImage::restore(wasm_rt_memory_t& memory) const {
  size_t image_bytes = size_t{pages_} * kWasmPage;
  size_t held_bytes = size_t{memory.pages} * kWasmPage;
  if (image_bytes > 0 && mmap(memory.data, image_bytes, PROT_READ | PROT_WRITE,
                              MAP_PRIVATE | MAP_FIXED, fd_.get(), 0) == MAP_FAILED) {
    throw Error(fmt::format("cannot map a memory image: {}", std::strerror(errno)));
  }
  if (held_bytes > image_bytes &&
      mmap(memory.data + image_bytes, held_bytes - image_bytes, PROT_NONE,
           MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED, -1, 0) == MAP_FAILED) {
    throw Error(fmt::format("cannot release grown memory: {}", std::strerror(errno)));
  }
  memory.pages = pages_;
  memory.size = static_cast<uint32_t>(image_bytes);
}

}  // namespace wasmlet::engine
