#pragma once
// How one function runs: its host configuration and its limits.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>

#include "host/host_context.h"

namespace wasmlet::state {
class StateTier;
}

namespace wasmlet::faaslet {

struct FunctionLimits {
  uint32_t memory_pages = 16384;                                // 1 GiB of linear memory
  std::chrono::nanoseconds timeout = std::chrono::seconds(60);  // wall time per call
  size_t max_output_bytes = 16 << 20;
  // Pages of linear memory a reused Faaslet's calls wrote that its reset reverts by copying and
  // keeps private, so the next call writing them takes no page fault; beyond this, written
  // pages are dropped (memory per idle Faaslet against call latency: see docs/faaslets.md).
  size_t kept_pages = 256;
  // Bytes the guest's allocator holds free in the snapshot (malloc then free before the
  // capture, when the module exports both), so that calls allocating up to this much take
  // memory the image already has instead of growing it: growing costs page-table changes on
  // every call (see docs/faaslets.md). All-zero, the reserve costs no memory until written.
  size_t heap_reserve_bytes = size_t{4} << 20;
};

struct FunctionConfig {
  // Arguments, environment, the read-only root and conf flags. Faaslets ignore fs.scratch_dir
  // (each makes its own under scratch_parent); run_once uses it as it is.
  host::HostConfig host;
  FunctionLimits limits;
  // Where per-Faaslet scratch directories (the guest's /tmp) are made; empty: no /tmp.
  std::filesystem::path scratch_parent;
  // The state tier the function's state calls use, under its user's namespace; null: none.
  state::StateTier* state_tier = nullptr;
  std::string user;
};

}  // namespace wasmlet::faaslet
