#include "host/host_context.h"

#include <fmt/format.h>

#include "host/state_binding.h"
#include "host/wasi/wasi_state.h"

namespace wasmlet::host {

HostContext::HostContext(HostConfig config)
    : config_(std::move(config)),
      args_(config_.args),
      wasi_(std::make_unique<WasiState>(config_)) {}

HostContext::~HostContext() = default;

void HostContext::set_output(std::string_view output) {
  if (output.size() > config_.max_output_bytes) {
    throw Error(fmt::format("output of {} bytes exceeds the limit of {} bytes", output.size(),
                            config_.max_output_bytes));
  }
  output_.assign(output);
}

void HostContext::append_stdio(int fd, std::string_view data) {
  std::string& sink = fd == 2 ? stderr_ : stdout_;
  size_t used = stdout_.size() + stderr_.size();
  size_t room = used < config_.max_stdio_bytes ? config_.max_stdio_bytes - used : 0;
  if (data.size() <= room) {
    sink.append(data);
    return;
  }
  sink.append(data.substr(0, room));
  if (!stdio_truncated_) {
    stdio_truncated_ = true;
    stderr_.append("\n[wasmlet: output truncated]\n");
  }
}

void HostContext::set_call_args(const std::vector<std::string>& extra) {
  args_.resize(config_.args.size());
  args_.insert(args_.end(), extra.begin(), extra.end());
}

void HostContext::set_error(std::string_view error) {
  // An error is a summary: keep its end, where a traceback names the exception.
  constexpr size_t kMaxError = 64 << 10;
  error_.assign(error.size() > kMaxError ? error.substr(error.size() - kMaxError) : error);
}

void HostContext::reset_call_state() {
  input_.clear();
  error_.clear();
  call_ = {};
  args_.resize(config_.args.size());  // a call's own arguments never reach the next call
  output_.clear();
  stdout_.clear();
  stderr_.clear();
  stdio_truncated_ = false;
  wasi_->reset();
  if (state_) state_->reset();
}

void HostContext::set_state(std::unique_ptr<StateBinding> state) { state_ = std::move(state); }

std::map<std::string, void*> host_import_contexts(HostContext& host) {
  return {{"env", &host}, {"wasi_snapshot_preview1", &host}};
}

}  // namespace wasmlet::host
