#include "faaslet/faaslet.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <atomic>
#include <system_error>
#include <utility>

#include "faaslet/entry_call.h"
#include "faaslet/instance_setup.h"
#include "host/state_binding.h"
#include "host/wasi/wasi_state.h"
#include "util/thread_serial.h"

namespace wasmlet::faaslet {
namespace {

namespace fs = std::filesystem;

}  // namespace

Faaslet::Faaslet(std::shared_ptr<const ProtoFaaslet> proto)
    : proto_(std::move(proto)), scratch_(proto_->scratch().acquire()) {
  host_ = make_host_context(proto_->config(), scratch_);
  instance_ = std::make_unique<engine::Instance>(engine::BlankInstance{}, proto_->module(),
                                                 host::host_import_contexts(*host_),
                                                 instance_limits(proto_->config()));
  host_->bind_memory(instance_->memory());
  proto_->restore_into(*instance_);
}

Faaslet::~Faaslet() {
  bool dirty = !reusable_ || host_->wasi().changed_files();
  instance_.reset();
  host_.reset();  // closes the scratch directory before it is handed on
  proto_->scratch().release(scratch_, dirty);
}

CallResult Faaslet::call(std::string input, const EntryPoint& entry, const CallOptions& options) {
  CallResult result = run(std::move(input), entry, options);
  reset();
  return result;
}

CallResult Faaslet::run(std::string input, const EntryPoint& entry, const CallOptions& options) {
  if (!reusable_) throw Error("this Faaslet was discarded after a failed call");
  if (unreset_) throw Error("this Faaslet was not reset after its last call");
  auto timeout = proto_->config().limits.timeout;
  if (options.timeout.count() > 0) timeout = std::min(timeout, options.timeout);
  last_thread_ = util::this_thread_serial();
  host_->set_input(std::move(input));
  host_->set_chain_handler(options.chain);
  host_->set_call_args(options.args);
  host_->set_call_info({options.call_id, std::chrono::steady_clock::now() + timeout,
                        entry.kind == EntryPoint::Kind::Python ? entry.name : std::string()});
  CallResult result = run_entry(*instance_, *host_, entry, {timeout, options.cancel});
  host_->set_chain_handler(nullptr);
  // After a trap the instance may be mid-update anywhere; after a limit it may hold what it
  // should not. Either way it is not worth trusting again.
  if (result.trap) {
    reusable_ = false;
  } else {
    unreset_ = true;
  }
  return result;
}

void Faaslet::reset() {
  if (!std::exchange(unreset_, false) || !reusable_) return;
  // The call's result stands even when the Faaslet cannot be made ready for another.
  try {
    restore_snapshot();
  } catch (const std::exception& e) {
    const host::FunctionIdentity& fn = proto_->config().host.identity;
    spdlog::warn("discarding a Faaslet of {}/{} whose reset failed: {}", fn.user, fn.name,
                 e.what());
    reusable_ = false;
  }
}

void Faaslet::restore_snapshot() {
  auto start = std::chrono::steady_clock::now();
  // A Faaslet used again is likely to be used again (pools hand out the one returned last):
  // from its second call on it keeps its working set, before that it gives every page back.
  ++calls_;
  // State segments mapped into grown memory must be unmapped, not kept behind PROT_NONE like
  // private pages: such a reset keeps nothing.
  bool shared_mappings = host_->state() != nullptr && host_->state()->mapped_any();
  size_t keep = calls_ >= 2 && !shared_mappings ? proto_->config().limits.kept_pages : 0;
  proto_->reset(*instance_, keep, last_thread_ == util::this_thread_serial());
  host_->reset_call_state();
  host::WasiState& wasi = host_->wasi();
  if (wasi.changed_files()) {
    if (!scratch_.empty()) clear_directory(scratch_);
    wasi.clear_changed_files();
  }
  last_reset_ = std::chrono::steady_clock::now() - start;
}

}  // namespace wasmlet::faaslet
