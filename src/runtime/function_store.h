#pragma once
// The persistent function store: a data directory holding each function's module (or Python
// source) and metadata, plus the compiled-artifact cache. It survives restarts: uploaded
// functions load again without recompiling. An upload compiles before anything is stored;
// a module that fails to compile stores nothing.
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <stop_token>
#include <string>
#include <vector>

#include "engine/engine.h"
#include "runtime/function_id.h"
#include "runtime/python_package.h"
#include "util/error.h"
#include "util/mutex.h"

namespace wasmlet::runtime {

enum class FunctionKind { Wasm, Python };

struct FunctionInfo {
  FunctionId id;
  FunctionKind kind = FunctionKind::Wasm;
  size_t size_bytes = 0;  // a Python package: the larger of the upload and what it unpacks to
  std::string sha256;
  double compile_seconds = 0;
  std::string uploaded_at;  // RFC 3339, UTC
  // Wasm functions: the module's file in the function's directory.
  std::string module;
  // Python functions: the entry, how it is called, and the package's directory in the store.
  PythonEntry python_entry;
  PythonConvention convention = PythonConvention::Detect;
  std::string package;
};

// A Python function unpacked into the store but not yet listed: the runtime checks that it
// imports, then commits or discards it.
struct StagedPython {
  FunctionInfo info;
  std::filesystem::path package_dir;
  bool replaces_nothing_new = false;  // the same package is already stored: never discard it
};

class UnknownFunction : public Error {
 public:
  explicit UnknownFunction(const FunctionId& id) : Error("no function " + id.str()) {}
};

// Thrown when an upload is refused: the message is the reason (validator message, unknown
// imports, ...).
class UploadError : public Error {
 public:
  using Error::Error;
};

// The upload would take the tenant past its storage quota.
class UploadQuotaExceeded : public UploadError {
 public:
  using UploadError::UploadError;
};

class FunctionStore {
 public:
  // Creates the directory layout if missing and reads what is already stored.
  FunctionStore(std::filesystem::path data_dir, const engine::Engine& engine,
                engine::LoadOptions load_options);

  FunctionInfo put_wasm(const FunctionId& id, std::span<const unsigned char> wasm,
                        std::stop_token stop = {});
  // Unpacks a Python source file or package archive (see python_package.h). Throws
  // PackageError when the upload is unusable, PackageQuotaExceeded past `quota_bytes`.
  StagedPython stage_python(const FunctionId& id, std::string_view body,
                            const PythonEntry& requested, PythonConvention convention,
                            size_t quota_bytes = SIZE_MAX);
  // Lists the staged function, replacing any function of that name.
  FunctionInfo commit_python(const StagedPython& staged);
  void discard(const StagedPython& staged);
  // The package directory of a stored Python function.
  std::filesystem::path package_dir(const FunctionInfo& info) const;
  // A wasm function's module as uploaded.
  std::filesystem::path module_path(const FunctionInfo& info) const;
  std::optional<FunctionInfo> get(const FunctionId& id) const;
  bool contains(const FunctionId& id) const;  // get() without the copy, for every call
  std::optional<FunctionKind> kind(const FunctionId& id) const;
  std::vector<FunctionInfo> list() const;
  bool remove(const FunctionId& id);

  // The loaded module of a stored wasm function (from the compile cache). Throws
  // UnknownFunction when it is not (or no longer) stored.
  std::shared_ptr<const engine::Module> load(const FunctionId& id) const;

  const std::filesystem::path& data_dir() const { return dir_; }
  // Shared files (PUT/GET /file), seen by functions read-only under "/".
  std::filesystem::path shared_dir() const { return dir_ / "shared"; }

 private:
  std::filesystem::path function_dir(const FunctionId& id) const;
  // Removes what `info`'s meta.json does not name from its directory: modules and packages of
  // replaced or interrupted uploads, temporary files, and (`at_start`) staging directories.
  void remove_leftovers_locked(const FunctionInfo& info, bool at_start = false) REQUIRES(mutex_);

  std::filesystem::path dir_;
  const engine::Engine& engine_;
  engine::LoadOptions load_options_;
  mutable util::Mutex mutex_;
  std::map<FunctionId, FunctionInfo> index_ GUARDED_BY(mutex_);
};

}  // namespace wasmlet::runtime
