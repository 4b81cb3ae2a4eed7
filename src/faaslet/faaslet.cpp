#include "faaslet/faaslet.h"

#include <fmt/format.h>
#include <unistd.h>

#include <atomic>
#include <system_error>

#include "faaslet/entry_call.h"
#include "host/state_binding.h"
#include "host/wasi/wasi_state.h"

namespace wasmlet::faaslet {
namespace {

namespace fs = std::filesystem;

fs::path make_scratch(const fs::path& parent) {
  if (parent.empty()) return {};
  static std::atomic<uint64_t> counter{0};
  fs::path dir = parent / fmt::format("faaslet-{}-{}", getpid(), counter.fetch_add(1));
  fs::create_directories(dir);
  return dir;
}

// Empties a directory without removing it: its descriptor stays valid as the guest's /tmp.
void clear_directory(const fs::path& dir) {
  for (const auto& entry : fs::directory_iterator(dir)) fs::remove_all(entry.path());
}

}  // namespace

Faaslet::Faaslet(std::shared_ptr<const ProtoFaaslet> proto)
    : proto_(std::move(proto)), scratch_(make_scratch(proto_->config().scratch_parent)) {
  const FunctionConfig& config = proto_->config();
  host::HostConfig host_config = config.host;
  host_config.fs.scratch_dir = scratch_;
  host_config.max_output_bytes = config.limits.max_output_bytes;
  host_ = std::make_unique<host::HostContext>(std::move(host_config));
  if (config.state_tier != nullptr) {
    host_->set_state(std::make_unique<host::StateBinding>(*config.state_tier, config.user));
  }
  engine::InstanceLimits limits;
  limits.memory_pages = config.limits.memory_pages;
  instance_ = std::make_unique<engine::Instance>(engine::BlankInstance{}, proto_->module(),
                                                 host::host_import_contexts(*host_), limits);
  host_->bind_memory(instance_->memory());
  proto_->restore_into(*instance_);
}

Faaslet::~Faaslet() {
  instance_.reset();
  host_.reset();  // closes the scratch directory before it goes
  if (!scratch_.empty()) {
    std::error_code ec;
    fs::remove_all(scratch_, ec);
  }
}

CallResult Faaslet::call(std::string input, const Entry& entry, host::ChainHandler* chain) {
  if (!reusable_) throw Error("this Faaslet was discarded after a failed call");
  host_->set_input(std::move(input));
  host_->set_chain_handler(chain);
  CallResult result = run_entry(*instance_, *host_, entry, proto_->config().limits.timeout);
  host_->set_chain_handler(nullptr);
  // After a trap the instance may be mid-update anywhere; after a limit it may hold what it
  // should not. Either way it is not worth trusting again.
  if (result.trap) {
    reusable_ = false;
    return result;
  }
  reset();
  return result;
}

void Faaslet::reset() {
  auto start = std::chrono::steady_clock::now();
  proto_->restore_into(*instance_);
  host_->reset_call_state();
  host::WasiState& wasi = host_->wasi();
  if (wasi.changed_files()) {
    if (!scratch_.empty()) clear_directory(scratch_);
    wasi.clear_changed_files();
  }
  last_reset_ = std::chrono::steady_clock::now() - start;
}

}  // namespace wasmlet::faaslet
