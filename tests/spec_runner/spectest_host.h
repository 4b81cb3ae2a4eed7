#pragma once
// The standard `spectest` host module the spec scripts import from.
#include <wasm-rt.h>

#include <cstdint>
#include <string_view>

#include "engine/module_info.h"

namespace wasmlet::spectest {

struct SpectestExport {
  void* ptr;  // function, or pointer to the memory/table/global
  engine::ExternType type;
};

class SpectestHost {
 public:
  SpectestHost();
  SpectestHost(const SpectestHost&) = delete;
  SpectestHost& operator=(const SpectestHost&) = delete;
  ~SpectestHost();

  // Returns false for a name the module does not have.
  bool lookup(std::string_view name, SpectestExport& out);

 private:
  wasm_rt_memory_t memory_{};
  wasm_rt_funcref_table_t table_{};
  uint32_t global_i32_ = 666;
  uint64_t global_i64_ = 666;
  float global_f32_ = 666.6f;
  double global_f64_ = 666.6;
};

}  // namespace wasmlet::spectest
