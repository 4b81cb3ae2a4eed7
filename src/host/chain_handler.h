#pragma once
// What a guest's chaining calls (__faasm_chain_*, __faasm_await_*) need from whoever schedules
// calls. The host layer only defines it; the runtime implements it per call.
#include <cstdint>
#include <string>

namespace wasmlet::host {

class ChainHandler {
 public:
  virtual ~ChainHandler() = default;
  // Starts `function` (of the same user, or "owner/function" when its owner shared it) with
  // `input`; returns its call id. Throws Error
  // (unknown function, limits) with a message for the guest's trap.
  virtual uint32_t chain_by_name(const std::string& function, std::string input) = 0;
  // Starts entry `table_index` of the calling function's own module in a new Faaslet.
  virtual uint32_t chain_by_table_index(uint32_t table_index, std::string input) = 0;
  // Starts function `entry` of the calling Python function's own module in a new Faaslet.
  virtual uint32_t chain_python_entry(const std::string& entry, std::string input) = 0;
  // Waits for a call this guest started; its return code (non-zero when it trapped). When
  // `output` is not null it receives the call's output. Throws Error for an unknown id.
  virtual int await_call(uint32_t call_id, std::string* output) = 0;
};

}  // namespace wasmlet::host
