#pragma once
// Why loading a module failed, by whose fault. ModuleRejected and what derives from it are the
// module's (a client error: 4xx); every other Error from the engine is the server's (5xx).
#include <cstdint>
#include <string>

#include "util/error.h"

namespace wasmlet::engine {

// Malformed, invalid, needs imports the host lacks, or exceeds a limit.
class ModuleRejected : public Error {
 public:
  using Error::Error;
};

// The module imports one name twice with different types. Valid wasm, but nothing can provide
// it: the host and wasm modules export one thing per name.
class UnlinkableModule : public ModuleRejected {
 public:
  using ModuleRejected::ModuleRejected;
};

// The module is over one of the engine's limits: a ModuleLimits entry (checked before
// translation) or a CompileLimits entry (the compilers hit it). `limit` is the field's name.
class LimitExceeded : public ModuleRejected {
 public:
  LimitExceeded(std::string limit, uint64_t value, uint64_t maximum, const std::string& message)
      : ModuleRejected(message), limit_(std::move(limit)), value_(value), maximum_(maximum) {}
  const std::string& limit() const { return limit_; }
  uint64_t value() const { return value_; }  // 0 when the compiler cannot tell how far over
  uint64_t maximum() const { return maximum_; }

 private:
  std::string limit_;
  uint64_t value_;
  uint64_t maximum_;
};

// wasm2c or the C compiler failed on a module that passed validation: our bug or wasm2c's.
class CompileFailed : public Error {
 public:
  using Error::Error;
};

// The compilers cannot be run at all (missing, not executable, no processes left).
class CompilerUnavailable : public Error {
 public:
  using Error::Error;
};

// The caller asked to stop (LoadOptions::stop) before the compile finished.
class CompileCancelled : public Error {
 public:
  using Error::Error;
};

}  // namespace wasmlet::engine
