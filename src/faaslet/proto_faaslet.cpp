#include "faaslet/proto_faaslet.h"

#include <fmt/format.h>

#include "faaslet/entry_call.h"
#include "faaslet/instance_setup.h"

namespace wasmlet::faaslet {

ProtoFaaslet::ProtoFaaslet(std::shared_ptr<const engine::Module> module, FunctionConfig config)
    : module_(std::move(module)),
      config_(std::move(config)),
      scratch_(std::make_unique<ScratchPool>(config_.scratch_parent)) {
  try {
    initialise_and_capture();
  } catch (...) {
    template_.reset();
    host_.reset();
    scratch_->release(template_scratch_, true);  // a failed snapshot leaves no directory behind
    throw;
  }
}

void ProtoFaaslet::initialise_and_capture() {
  if (module_->abi().copy_state == nullptr) {
    throw Error("functions that import their memory cannot be snapshotted");
  }
  auto start = std::chrono::steady_clock::now();
  // wasi-libc records the preopened directories during initialisation, so the template needs
  // a /tmp wherever Faaslets will have one: an empty directory of its own. What initialisation
  // writes there is not part of the snapshot.
  template_scratch_ = scratch_->acquire();
  host_ = make_host_context(config_, template_scratch_);
  template_ = std::make_unique<engine::Instance>(module_, host::host_import_contexts(*host_),
                                                 instance_limits(config_));
  host_->bind_memory(template_->memory());
  if (auto trap = initialise(*template_, config_.limits.timeout)) {
    if (!host_->error().empty() && trap->kind == engine::TrapKind::HostError) {
      throw GuestInitError(host_->error());
    }
    throw engine::TrapError(std::move(*trap));
  }
  if (auto trap =
          reserve_heap(*template_, config_.limits.heap_reserve_bytes, config_.limits.timeout)) {
    trap->message = trap->message.empty() ? "in malloc or free, making the heap reserve"
                                          : "making the heap reserve: " + trap->message;
    throw engine::TrapError(std::move(*trap));
  }
  // Descriptors the initialisation opened would not exist in a restored Faaslet.
  host_->reset_call_state();
  if (wasm_rt_memory_t* memory = template_->memory()) {
    image_ = engine::MemoryImage::capture(*memory);
    image_->restore(*memory);  // the template now shares the image's pages instead of owning some
  }
  init_time_ = std::chrono::steady_clock::now() - start;
}

ProtoFaaslet::~ProtoFaaslet() {
  template_.reset();
  host_.reset();
  scratch_->release(template_scratch_, true);
}

void ProtoFaaslet::restore_into(engine::Instance& target) const {
  target.restore(*template_, image_ ? &*image_ : nullptr);
}

void ProtoFaaslet::reset(engine::Instance& target, size_t keep_pages, bool writes_here) const {
  target.restore(*template_, image_ ? &*image_ : nullptr, true, keep_pages, writes_here);
}

}  // namespace wasmlet::faaslet
