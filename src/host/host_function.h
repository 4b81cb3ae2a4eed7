#pragma once
// One host import: the wasm module and name a guest imports, and the C symbol wasm2c code calls
// for it. The signature the engine checks an import against is derived from that symbol's C++
// type, so the checked signature and the function a guest reaches cannot disagree.
#include <array>
#include <cstddef>
#include <cstdint>
#include <type_traits>

namespace wasmlet::host {

struct HostFunction {
  const char* module;
  const char* name;
  const char* signature;  // "params>results", see engine/module_info.h
  const void* address;
};

namespace detail {

template <class T>
inline constexpr bool kUnsupportedValueType = false;

// The wasm value type a C++ parameter or result carries, as a signature letter. wasm2c passes
// i32 and i64 as unsigned integers.
template <class T>
constexpr char value_letter() {
  if constexpr (std::is_same_v<T, uint32_t>) {
    return 'i';
  } else if constexpr (std::is_same_v<T, uint64_t>) {
    return 'j';
  } else if constexpr (std::is_same_v<T, float>) {
    return 'f';
  } else if constexpr (std::is_same_v<T, double>) {
    return 'd';
  } else {
    static_assert(kUnsupportedValueType<T>, "host imports take and return u32, u64, f32, f64");
  }
}

template <class F>
struct SignatureOf;

// A host import's first parameter is the instance's host context, which the guest never sees.
template <class R, class... Params>
struct SignatureOf<R (*)(void*, Params...)> {
  static constexpr std::array<char, sizeof...(Params) + 3> text = [] {
    std::array<char, sizeof...(Params) + 3> s{};
    std::size_t n = 0;
    ((s[n++] = value_letter<Params>()), ...);
    s[n++] = '>';
    if constexpr (!std::is_void_v<R>) s[n++] = value_letter<R>();
    s[n] = '\0';
    return s;
  }();
};

}  // namespace detail

// The signature text of a host import's C++ function type, e.g. "iji>i".
template <class F>
constexpr const char* signature_of() {
  return detail::SignatureOf<F>::text.data();
}

}  // namespace wasmlet::host

// A table entry for the import `module`.`name`. The symbol is spelled from the two names the
// way wasm2c mangles them, so the entry, the symbol and its signature come from one place.
#define WASMLET_HOST_IMPORT(module, name)                                               \
  ::wasmlet::host::HostFunction {                                                       \
#module, #name, ::wasmlet::host::signature_of < decltype(&Z_##module##Z_##name)>(), \
        reinterpret_cast < const void*>(&Z_##module##Z_##name)                          \
  }
