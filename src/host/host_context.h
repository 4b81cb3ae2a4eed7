#pragma once
// Everything a guest's host calls can see: its memory, its input and output, its captured
// stdout/stderr, its WASI state (arguments, environment, file descriptors) and its config.
// One HostContext serves one instance; per-call state is reset between calls.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "host/guest_memory.h"

namespace wasmlet::host {

class SharedDirUsage;
class WasiState;
class ChainHandler;
class StateBinding;

struct FsConfig {
  // Seen by the guest as "/", read-only. Empty: no root directory.
  std::filesystem::path shared_root;
  // Seen by the guest as "/tmp", writable. Empty: no scratch directory.
  std::filesystem::path scratch_dir;
  // Further read-only directories, each seen at its guest path (absolute, e.g. "/function").
  struct Mount {
    std::string guest_path;
    std::filesystem::path host_path;
  };
  std::vector<Mount> mounts;
  // Faasm's files (runtime functions): "/" becomes an overlay of a writable upper layer,
  // scratch_dir/root, over the read-only shared_root; /tmp is scratch_dir/tmp; both are emptied
  // after every call (docs/wasi.md). faasm://<path> names shared_root/<path> itself, writable:
  // a write goes to a temporary file renamed into place when its descriptor closes.
  bool faasm_files = false;
  // Bounds on what one call may leave in its scratch space (/tmp and the overlay's upper
  // layer together): bytes its files grew by, and files and directories it created.
  uint64_t max_scratch_bytes = uint64_t{256} << 20;
  uint64_t max_scratch_files = 4096;
  // Bounds on faasm:// writes: the size of one file, and files written per call.
  uint64_t max_shared_file_bytes = uint64_t{64} << 20;
  uint32_t max_shared_writes = 16;
  // What shared_root takes on disk, counted with every other writer of it (clients' PUT
  // /file): a faasm:// write that would take it past max_shared_dir_bytes fails to publish
  // (EDQUOT from close). Null: not counted.
  SharedDirUsage* shared_usage = nullptr;
  uint64_t max_shared_dir_bytes = UINT64_MAX;
};

// Who a call runs as, for the guest's __faasm_get_py_* and call-information imports.
struct FunctionIdentity {
  std::string user;
  std::string name;
};

struct HostConfig {
  std::vector<std::string> args;  // argv before a call's own arguments, argv[0] included
  std::vector<std::string> env;   // "KEY=value"
  FsConfig fs;
  std::map<std::string, bool> conf_flags;  // answers to __faasm_conf_flag
  size_t max_output_bytes = 16 << 20;      // __faasm_write_output
  size_t max_stdio_bytes = 16 << 20;       // captured stdout + stderr
  FunctionIdentity identity;
};

// What a guest may learn about the call it is running.
struct CallInfo {
  uint64_t id = 0;
  std::chrono::steady_clock::time_point deadline{};
  std::string entry;  // a named entry of a Python module; empty: the function's default
};

// The guest exited through proc_exit.
struct GuestExit {
  int code;
};

class HostContext {
 public:
  explicit HostContext(HostConfig config);
  HostContext(const HostContext&) = delete;
  HostContext& operator=(const HostContext&) = delete;
  ~HostContext();

  const HostConfig& config() const { return config_; }
  void bind_memory(wasm_rt_memory_t* memory) { memory_ = GuestMemory(memory); }
  const GuestMemory& memory() const { return memory_; }

  // Per-call I/O.
  void set_input(std::string input) { input_ = std::move(input); }
  const std::string& input() const { return input_; }
  void set_output(std::string_view output);  // throws Error past max_output_bytes
  const std::string& output() const { return output_; }
  // Appends to captured stdout (fd 1) or stderr (fd 2); silently truncates past the cap and
  // notes it once, so a chatty guest cannot exhaust host memory.
  void append_stdio(int fd, std::string_view data);
  const std::string& captured_stdout() const { return stdout_; }
  const std::string& captured_stderr() const { return stderr_; }
  // A failure the guest describes itself (a Python traceback), reported as the call's error.
  void set_error(std::string_view error);
  const std::string& error() const { return error_; }
  // Moves the finished call's output, captured stdio and error out, leaving them empty.
  struct CallOutputs {
    std::string output, stdout_text, stderr_text, error;
  };
  CallOutputs take_call_outputs() {
    return {std::move(output_), std::move(stdout_), std::move(stderr_), std::move(error_)};
  }
  void set_call_info(CallInfo info) { call_ = std::move(info); }
  // The guest's argv for this call: the configured arguments, then `extra`, until
  // reset_call_state.
  void set_call_args(const std::vector<std::string>& extra);
  const std::vector<std::string>& args() const { return args_; }
  const CallInfo& call_info() const { return call_; }
  void reset_call_state();

  WasiState& wasi() { return *wasi_; }

  // Who runs the calls this guest chains; null when chaining is not available (a plain run).
  void set_chain_handler(ChainHandler* handler) { chain_ = handler; }
  ChainHandler* chain_handler() const { return chain_; }

  // The state tier this guest's state calls use; null when state is not available.
  void set_state(std::unique_ptr<StateBinding> state);
  StateBinding* state() const { return state_.get(); }

 private:
  HostConfig config_;
  GuestMemory memory_;
  std::string input_, output_, stdout_, stderr_, error_;
  CallInfo call_;
  std::vector<std::string> args_;
  bool stdio_truncated_ = false;
  std::unique_ptr<WasiState> wasi_;
  ChainHandler* chain_ = nullptr;
  std::unique_ptr<StateBinding> state_;
};

// The import contexts every host module needs: all of them point at the one HostContext.
std::map<std::string, void*> host_import_contexts(HostContext& host);

}  // namespace wasmlet::host
