#pragma once
// A Faaslet: one ready-to-run instance of a function with its own host context and scratch
// directory, restored from a Proto-Faaslet. After every call it is reset to the snapshot, so
// nothing a call wrote (globals, heap, stack, files in /tmp, stdout) reaches the next one.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include "engine/instance.h"
#include "faaslet/call.h"
#include "faaslet/proto_faaslet.h"
#include "host/chain_handler.h"
#include "host/host_context.h"

namespace wasmlet::faaslet {

class Faaslet {
 public:
  explicit Faaslet(std::shared_ptr<const ProtoFaaslet> proto);
  Faaslet(const Faaslet&) = delete;
  Faaslet& operator=(const Faaslet&) = delete;
  ~Faaslet();

  // Runs one call, then resets. A Faaslet whose call trapped, timed out or hit a limit is no
  // longer reusable and must be discarded.
  CallResult call(std::string input, const EntryPoint& entry = EntryPoint::main(),
                  const CallOptions& options = {});
  // Runs one call and leaves the reset to reset(), so that the result can be handed on first.
  CallResult run(std::string input, const EntryPoint& entry = EntryPoint::main(),
                 const CallOptions& options = {});
  // After run(), on any thread: makes the Faaslet ready for its next call, or leaves it not
  // reusable when that fails. Nothing to do after a call that left it not reusable.
  void reset();
  bool reusable() const { return reusable_; }

  const ProtoFaaslet& proto() const { return *proto_; }
  // Time the last reset (restore from the snapshot) took.
  std::chrono::nanoseconds last_reset_time() const { return last_reset_; }
  // The thread that ran the last call (util::this_thread_serial), 0 before any.
  uint64_t last_thread() const { return last_thread_; }

 private:
  void restore_snapshot();

  std::shared_ptr<const ProtoFaaslet> proto_;
  std::filesystem::path scratch_;
  std::unique_ptr<host::HostContext> host_;
  std::unique_ptr<engine::Instance> instance_;
  bool reusable_ = true;
  bool unreset_ = false;  // a call ran since the last reset
  size_t calls_ = 0;
  uint64_t last_thread_ = 0;
  std::chrono::nanoseconds last_reset_{0};
};

}  // namespace wasmlet::faaslet
