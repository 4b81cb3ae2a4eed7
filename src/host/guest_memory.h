#pragma once
// Host-side access to a guest's linear memory. Every access is bounds-checked against the
// memory's current size: a bad guest pointer is the guest's fault (GuestFault), never ours.
#include <wasm-rt.h>

#include <cstdint>
#include <cstring>
#include <span>
#include <string_view>
#include <type_traits>

#include "util/error.h"

namespace wasmlet::host {

class GuestFault : public Error {
 public:
  using Error::Error;
};

class GuestMemory {
 public:
  GuestMemory() = default;
  explicit GuestMemory(wasm_rt_memory_t* memory) : memory_(memory) {}

  bool attached() const { return memory_ != nullptr; }
  wasm_rt_memory_t* raw() const { return memory_; }
  uint64_t size() const { return memory_ ? memory_->size : 0; }

  std::span<uint8_t> bytes(uint32_t ptr, uint64_t len) const {
    if (memory_ == nullptr) throw GuestFault("the module has no memory");
    if (uint64_t{ptr} + len > memory_->size) throw GuestFault("guest pointer out of bounds");
    return {memory_->data + ptr, static_cast<size_t>(len)};
  }

  std::string_view string(uint32_t ptr, uint64_t len) const {
    auto b = bytes(ptr, len);
    return {reinterpret_cast<const char*>(b.data()), b.size()};
  }

  // A NUL-terminated string that must end inside memory.
  std::string_view c_string(uint32_t ptr) const {
    auto rest = bytes(ptr, 0).data();
    uint64_t avail = memory_->size - ptr;
    const void* nul = std::memchr(rest, 0, static_cast<size_t>(avail));
    if (nul == nullptr) throw GuestFault("unterminated guest string");
    return {reinterpret_cast<const char*>(rest),
            static_cast<size_t>(static_cast<const uint8_t*>(nul) - rest)};
  }

  template <class T>
  T load(uint32_t ptr) const {
    static_assert(std::is_trivially_copyable_v<T>);
    T v;
    std::memcpy(&v, bytes(ptr, sizeof(T)).data(), sizeof(T));
    return v;
  }

  template <class T>
  void store(uint32_t ptr, const T& v) const {
    static_assert(std::is_trivially_copyable_v<T>);
    std::memcpy(bytes(ptr, sizeof(T)).data(), &v, sizeof(T));
  }

  // Grows the memory by enough pages to hold `data`, copies it there and returns its address:
  // how the host hands the guest a buffer of a size only the host knows. The pages are the
  // guest's from then on; a Faaslet's reset takes them back.
  uint32_t append(std::string_view data) const {
    if (memory_ == nullptr) throw GuestFault("the module has no memory");
    uint32_t pages = static_cast<uint32_t>((data.size() + 65535) / 65536);
    if (pages == 0) pages = 1;
    uint32_t old = wasm_rt_grow_memory(memory_, pages);
    if (old == UINT32_MAX) throw Error("out of guest memory for the call's output");
    uint32_t at = old * 65536u;
    write(at, data);
    return at;
  }

  void write(uint32_t ptr, std::string_view data) const {
    if (!data.empty()) std::memcpy(bytes(ptr, data.size()).data(), data.data(), data.size());
  }

 private:
  wasm_rt_memory_t* memory_ = nullptr;
};

}  // namespace wasmlet::host
