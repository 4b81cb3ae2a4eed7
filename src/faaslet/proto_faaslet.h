#pragma once
// A Proto-Faaslet: one instance of a function, initialised once and frozen. Faaslets start
// from it by restore (copy-on-write memory, copied globals and tables), never by running
// initialisation code again.
#include <chrono>
#include <memory>
#include <optional>

#include "engine/instance.h"
#include "engine/memory_image.h"
#include "faaslet/function_config.h"
#include "faaslet/scratch_pool.h"
#include "host/host_context.h"

namespace wasmlet::faaslet {

// Initialisation failed and the guest said why (a Python traceback): the message is its account.
class GuestInitError : public Error {
 public:
  using Error::Error;
};

class ProtoFaaslet {
 public:
  // Instantiates and initialises the module, then captures it. Throws GuestInitError when
  // initialisation fails with the guest's own explanation, engine::TrapError when
  // instantiation or initialisation traps otherwise, Error when the module cannot be
  // snapshotted.
  ProtoFaaslet(std::shared_ptr<const engine::Module> module, FunctionConfig config);
  ProtoFaaslet(const ProtoFaaslet&) = delete;
  ProtoFaaslet& operator=(const ProtoFaaslet&) = delete;
  ~ProtoFaaslet();

  const std::shared_ptr<const engine::Module>& module() const { return module_; }
  const FunctionConfig& config() const { return config_; }
  // Instantiation plus initialisation, as measured when the snapshot was taken.
  std::chrono::nanoseconds init_time() const { return init_time_; }

  // Makes `target` (a blank instance of the same module) a copy of the snapshot.
  void restore_into(engine::Instance& target) const;
  // Makes `target`, restored from this snapshot before, a copy of it again, keeping up to
  // `keep_pages` of the pages its calls wrote private (see engine::MemoryImage::restore;
  // `writes_here`: the calls since ran on this thread).
  void reset(engine::Instance& target, size_t keep_pages, bool writes_here) const;

  // Scratch directories for this function's Faaslets.
  ScratchPool& scratch() const { return *scratch_; }

 private:
  void initialise_and_capture();

  std::shared_ptr<const engine::Module> module_;
  FunctionConfig config_;
  std::unique_ptr<host::HostContext> host_;  // the template's context, for its lifetime
  std::unique_ptr<engine::Instance> template_;
  std::optional<engine::MemoryImage> image_;
  std::chrono::nanoseconds init_time_{0};
  std::unique_ptr<ScratchPool> scratch_;
  std::filesystem::path template_scratch_;
};

}  // namespace wasmlet::faaslet
