// Faasm's state imports (module "env"): values by key for the calling function's user, through
// the host's local tier (shared segments, mappable into linear memory) and the global tier.
// Every size and offset is checked: a bad one fails this call, never the host.
#include <fcntl.h>
#include <fmt/format.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "engine/trap.h"
#include "host/faasm/state_args.h"
#include "host/host_call.h"
#include "host/host_function.h"
#include "host/host_imports.h"
#include "host/state_binding.h"
#include "host/wasi/capability_fs.h"
#include "host/wasi/faasm_files.h"
#include "host/wasi/wasi_state.h"

using wasmlet::host::host_call;
using wasmlet::host::HostContext;
using wasmlet::host::StateBinding;
using wasmlet::host::faasm::check_state_key;
using wasmlet::host::faasm::checked_length;
using wasmlet::host::faasm::checked_range;
using wasmlet::host::faasm::Range;
using wasmlet::state::LockMode;

namespace {

constexpr uint64_t kWasmPage = 65536;

StateBinding& binding(HostContext& h) {
  if (h.state() == nullptr) {
    throw wasmlet::Error("state is only available to functions run by the Wasmlet runtime");
  }
  // A call that lost a lock to expiry fails at its next state call, not silently.
  h.state()->tier().guest_locks().check(h.state());
  return *h.state();
}

std::string key_at(HostContext& h, uint32_t ptr) {
  std::string key(h.memory().c_string(ptr));
  check_state_key(key);
  binding(h).touch(key);
  return key;
}

// Maps the key's segment (at least `total` bytes) into fresh pages at the end of linear
// memory, once per call; later requests for the same key reuse the mapping.
uint32_t map_segment(HostContext& h, const std::string& key, size_t total) {
  StateBinding& b = binding(h);
  auto& mappings = b.mappings();
  if (auto it = mappings.find(key); it != mappings.end() && it->second.length >= total) {
    return it->second.address;
  }
  // The key's size changes only once the mapping succeeded: a request the guest's memory
  // cannot hold fails without leaving the key that large for every later call.
  auto segment = b.tier().segment(b.user(), key);
  size_t length = std::max(segment->size(), total);
  uint64_t pages = (std::max<uint64_t>(length, 1) + kWasmPage - 1) / kWasmPage;
  wasm_rt_memory_t* memory = h.memory().raw();
  if (memory == nullptr) throw wasmlet::Error("the module has no memory");
  uint32_t old = wasm_rt_grow_memory(memory, static_cast<uint32_t>(pages));
  if (old == UINT32_MAX) throw wasmlet::Error("out of guest memory to map state into");
  // The segment must back every mapped page, or touching the tail would fault.
  segment->ensure_backing(pages * kWasmPage);
  uint8_t* at = memory->data + uint64_t{old} * kWasmPage;
  // Replaces the fresh pages; a Faaslet's reset maps over them again, ending the sharing.
  if (mmap(at, pages * kWasmPage, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, segment->fd(),
           0) == MAP_FAILED) {
    throw wasmlet::Error(fmt::format("cannot map state into the guest: {}", std::strerror(errno)));
  }
  segment->ensure_size(total);
  uint32_t address = old * static_cast<uint32_t>(kWasmPage);
  mappings[key] = {address, length, segment};
  return address;
}

// Reads a file by the guest's path: the longest preopened directory that is a prefix of the
// path, then the rest opened beneath it.
std::string read_guest_file(HostContext& h, std::string_view path) {
  namespace wasi = wasmlet::host::wasi;
  std::vector<std::string_view> names;
  std::vector<const wasi::FdEntry*> dirs;
  for (uint32_t fd = 3; fd < 16; ++fd) {
    const auto* e = h.wasi().find(fd);
    if (e == nullptr || e->preopen_name.empty()) continue;
    names.push_back(e->preopen_name);
    dirs.push_back(e);
  }
  auto match = wasi::match_preopen(names, path);
  if (!match) throw wasmlet::Error(fmt::format("no such file: {}", path));
  int base = dirs[match->index]->fd();
  std::string rest = match->rest;
  if (dirs[match->index]->overlay) {
    // The overlay's file: the call's own copy first, then the shared one.
    wasi::Layer layer = wasi::Layer::None;
    struct stat st {};
    std::string normal;
    if (wasi::overlay_normalize("", match->rest, normal) == wasi::Errno::Success &&
        wasi::overlay_find(h.wasi(), normal, true, layer, st) == wasi::Errno::Success &&
        layer == wasi::Layer::Upper) {
      base = h.wasi().upper_dir();
      rest = normal;
    }
  }
  wasmlet::util::UniqueFd fd;
  if (rest.empty() || wasi::open_beneath(base, rest, O_RDONLY, 0, fd) != wasi::Errno::Success) {
    throw wasmlet::Error(fmt::format("cannot open {} to write it to state", path));
  }
  std::string data;
  char buf[65536];
  for (ssize_t n; (n = ::read(fd.get(), buf, sizeof buf)) != 0;) {
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw wasmlet::Error(fmt::format("cannot read {}: {}", path, std::strerror(errno)));
    data.append(buf, static_cast<size_t>(n));
  }
  return data;
}

void lock(HostContext& h, uint32_t key_ptr, bool write) {
  StateBinding& b = binding(h);
  std::string key = key_at(h, key_ptr);
  // Local and, when hosts share the global tier, global: the binding's hold keeps the global
  // lease, so the call's end releases both whatever its outcome.
  b.hold(b.tier().guest_locks().acquire(&b, b.user(), key, b.tier().segment(b.user(), key),
                                        write ? LockMode::Write : LockMode::Read,
                                        wasmlet::engine::deadline_passed),
         write);
}

void unlock(HostContext& h, uint32_t key_ptr, bool write) {
  StateBinding& b = binding(h);
  auto segment = b.tier().segment(b.user(), key_at(h, key_ptr));
  if (!b.release(segment.get(), write)) {
    throw wasmlet::Error("unlocking a state lock this call does not hold");
  }
}

}  // namespace

extern "C" {

// long __faasm_read_state(key, buf, bufLen): bufLen 0 asks for the size.
uint32_t Z_envZ___faasm_read_state(void* ctx, uint32_t key, uint32_t buf, uint32_t len) {
  return host_call<uint32_t>(ctx, [&](HostContext& h) {
    StateBinding& b = binding(h);
    std::string k = key_at(h, key);
    size_t want = checked_length(len, "length");
    if (want == 0) {
      return static_cast<uint32_t>(b.tier().has_local(b.user(), k)
                                       ? b.tier().segment(b.user(), k)->size()
                                       : b.tier().global().size(b.user(), k));
    }
    auto segment = b.tier().segment(b.user(), k);
    std::string value = segment->read(0, want);
    h.memory().write(buf, value);
    return static_cast<uint32_t>(segment->size());
  });
}

uint32_t Z_envZ___faasm_read_state_ptr(void* ctx, uint32_t key, uint32_t total) {
  return host_call<uint32_t>(ctx, [&](HostContext& h) {
    return map_segment(h, key_at(h, key), checked_length(total, "total length"));
  });
}

uint32_t Z_envZ___faasm_read_state_offset_ptr(void* ctx, uint32_t key, uint32_t total,
                                              uint32_t offset, uint32_t len) {
  return host_call<uint32_t>(ctx, [&](HostContext& h) {
    Range r = checked_range(total, offset, len);
    return map_segment(h, key_at(h, key), r.total) + offset;
  });
}

void Z_envZ___faasm_write_state(void* ctx, uint32_t key, uint32_t data, uint32_t len) {
  host_call<void>(ctx, [&](HostContext& h) {
    StateBinding& b = binding(h);
    std::string k = key_at(h, key);
    b.tier().put(b.user(), k, std::string(h.memory().string(data, checked_length(len, "length"))));
  });
}

void Z_envZ___faasm_write_state_offset(void* ctx, uint32_t key, uint32_t total, uint32_t offset,
                                       uint32_t data, uint32_t len) {
  host_call<void>(ctx, [&](HostContext& h) {
    StateBinding& b = binding(h);
    auto [t, o, n] = checked_range(total, offset, len);
    auto segment = b.tier().segment(b.user(), key_at(h, key), t);
    segment->write(o, h.memory().string(data, n));
    segment->mark_dirty(o, n);
  });
}

void Z_envZ___faasm_read_state_offset(void* ctx, uint32_t key, uint32_t total, uint32_t offset,
                                      uint32_t buf, uint32_t len) {
  host_call<void>(ctx, [&](HostContext& h) {
    StateBinding& b = binding(h);
    auto [t, o, n] = checked_range(total, offset, len);
    auto segment = b.tier().segment(b.user(), key_at(h, key), t);
    std::string bytes = segment->read(o, n);
    bytes.resize(n, '\0');
    h.memory().write(buf, bytes);
  });
}

// unsigned int __faasm_write_state_from_file(key, path): the file as the guest sees it (under
// its "/" or "/tmp"), read with the same confinement as its own opens; returns its length.
uint32_t Z_envZ___faasm_write_state_from_file(void* ctx, uint32_t key, uint32_t path_ptr) {
  return host_call<uint32_t>(ctx, [&](HostContext& h) {
    StateBinding& b = binding(h);
    std::string k = key_at(h, key);
    std::string value = read_guest_file(h, h.memory().c_string(path_ptr));
    auto size = static_cast<uint32_t>(value.size());
    b.tier().put(b.user(), k, value);
    return size;
  });
}

void Z_envZ___faasm_append_state(void* ctx, uint32_t key, uint32_t data, uint32_t len) {
  host_call<void>(ctx, [&](HostContext& h) {
    StateBinding& b = binding(h);
    std::string k = key_at(h, key);
    b.tier().global().append(b.user(), k, h.memory().string(data, checked_length(len, "length")));
  });
}

// void __faasm_read_appended_state(key, buf, bufLen, nElems): the first nElems elements,
// concatenated, into buf.
void Z_envZ___faasm_read_appended_state(void* ctx, uint32_t key, uint32_t buf, uint32_t len,
                                        uint32_t count) {
  host_call<void>(ctx, [&](HostContext& h) {
    StateBinding& b = binding(h);
    std::string k = key_at(h, key);
    size_t cap = checked_length(len, "length");
    std::string joined;
    for (auto& e : b.tier().global().read_appended(b.user(), k, checked_length(count, "count"))) {
      joined += e;
    }
    if (joined.size() > cap) throw wasmlet::Error("appended state does not fit the buffer");
    h.memory().write(buf, joined);
  });
}

void Z_envZ___faasm_clear_appended_state(void* ctx, uint32_t key) {
  host_call<void>(ctx, [&](HostContext& h) {
    StateBinding& b = binding(h);
    b.tier().global().clear_appended(b.user(), key_at(h, key));
  });
}

void Z_envZ___faasm_flag_state_dirty(void* ctx, uint32_t key, uint32_t total) {
  host_call<void>(ctx, [&](HostContext& h) {
    StateBinding& b = binding(h);
    size_t t = checked_length(total, "total length");
    b.tier().segment(b.user(), key_at(h, key), t)->mark_dirty(0, t);
  });
}

void Z_envZ___faasm_flag_state_offset_dirty(void* ctx, uint32_t key, uint32_t total,
                                            uint32_t offset, uint32_t len) {
  host_call<void>(ctx, [&](HostContext& h) {
    StateBinding& b = binding(h);
    auto [t, o, n] = checked_range(total, offset, len);
    b.tier().segment(b.user(), key_at(h, key), t)->mark_dirty(o, n);
  });
}

void Z_envZ___faasm_push_state(void* ctx, uint32_t key) {
  host_call<void>(ctx, [&](HostContext& h) {
    StateBinding& b = binding(h);
    b.tier().push(b.user(), key_at(h, key));
  });
}

void Z_envZ___faasm_push_state_partial(void* ctx, uint32_t key) {
  host_call<void>(ctx, [&](HostContext& h) {
    StateBinding& b = binding(h);
    b.tier().push_partial(b.user(), key_at(h, key), wasmlet::engine::deadline_passed);
  });
}

void Z_envZ___faasm_push_state_partial_mask(void* ctx, uint32_t key, uint32_t mask) {
  host_call<void>(ctx, [&](HostContext& h) {
    StateBinding& b = binding(h);
    b.tier().push_partial_mask(b.user(), key_at(h, key), key_at(h, mask),
                               wasmlet::engine::deadline_passed);
  });
}

void Z_envZ___faasm_pull_state(void* ctx, uint32_t key, uint32_t len) {
  host_call<void>(ctx, [&](HostContext& h) {
    StateBinding& b = binding(h);
    std::string k = key_at(h, key);
    b.tier().pull(b.user(), k);
    b.tier().segment(b.user(), k, checked_length(len, "length"));
  });
}

void Z_envZ___faasm_lock_state_read(void* ctx, uint32_t key) {
  host_call<void>(ctx, [&](HostContext& h) { lock(h, key, false); });
}
void Z_envZ___faasm_unlock_state_read(void* ctx, uint32_t key) {
  host_call<void>(ctx, [&](HostContext& h) { unlock(h, key, false); });
}
void Z_envZ___faasm_lock_state_write(void* ctx, uint32_t key) {
  host_call<void>(ctx, [&](HostContext& h) { lock(h, key, true); });
}
void Z_envZ___faasm_unlock_state_write(void* ctx, uint32_t key) {
  host_call<void>(ctx, [&](HostContext& h) { unlock(h, key, true); });
}

}  // extern "C"

namespace wasmlet::host {

std::span<const HostFunction> faasm_state_functions() {
  static const HostFunction table[] = {
      WASMLET_HOST_IMPORT(env, __faasm_read_state),
      WASMLET_HOST_IMPORT(env, __faasm_read_state_ptr),
      WASMLET_HOST_IMPORT(env, __faasm_read_state_offset_ptr),
      WASMLET_HOST_IMPORT(env, __faasm_write_state),
      WASMLET_HOST_IMPORT(env, __faasm_write_state_offset),
      WASMLET_HOST_IMPORT(env, __faasm_read_state_offset),
      WASMLET_HOST_IMPORT(env, __faasm_write_state_from_file),
      WASMLET_HOST_IMPORT(env, __faasm_append_state),
      WASMLET_HOST_IMPORT(env, __faasm_read_appended_state),
      WASMLET_HOST_IMPORT(env, __faasm_clear_appended_state),
      WASMLET_HOST_IMPORT(env, __faasm_flag_state_dirty),
      WASMLET_HOST_IMPORT(env, __faasm_flag_state_offset_dirty),
      WASMLET_HOST_IMPORT(env, __faasm_push_state),
      WASMLET_HOST_IMPORT(env, __faasm_push_state_partial),
      WASMLET_HOST_IMPORT(env, __faasm_push_state_partial_mask),
      WASMLET_HOST_IMPORT(env, __faasm_pull_state),
      WASMLET_HOST_IMPORT(env, __faasm_lock_state_read),
      WASMLET_HOST_IMPORT(env, __faasm_unlock_state_read),
      WASMLET_HOST_IMPORT(env, __faasm_lock_state_write),
      WASMLET_HOST_IMPORT(env, __faasm_unlock_state_write),
  };
  return table;
}

}  // namespace wasmlet::host
