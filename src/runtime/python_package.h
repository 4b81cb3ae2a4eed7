#pragma once
// A Python function's code as uploaded: one source file, or a package (a tar, tar.gz or zip
// archive of modules, sub-packages and data files). Unpacking is confined to one directory and
// bounded; anything else in an archive (links, devices, paths that climb out) is refused.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include "util/error.h"

namespace wasmlet::runtime {

// The upload is not a usable Python function (the client's fault).
class PackageError : public Error {
 public:
  using Error::Error;
};

// The package unpacks to more than the uploading tenant may still store.
class PackageQuotaExceeded : public PackageError {
 public:
  using PackageError::PackageError;
};

// How a Python function is called.
enum class PythonConvention {
  Detect,     // from the entry's name and parameters (see docs/python.md)
  Faasm,      // faasm_main(), with pyfaasm.core for input and output
  OpenWhisk,  // main(args): the JSON input as a dict, the JSON-serialisable result as output
  Lambda,     // handler(event, context): likewise, with a context object
};

std::string_view convention_name(PythonConvention c);
// Throws PackageError for an unknown name.
PythonConvention parse_convention(std::string_view name);

// Which function a call runs: `module` (dotted) and `function` (empty: detected when the
// module is imported).
struct PythonEntry {
  std::string module;
  std::string function;
  std::string str() const { return function.empty() ? module : module + ":" + function; }
};

// "module", "module:function" or ":function"; throws PackageError when malformed.
PythonEntry parse_entry(std::string_view text);

struct PackageLimits {
  size_t max_entries = 10000;     // files and directories (each directory is an inode too)
  size_t max_bytes = 256u << 20;  // unpacked, all files together
  size_t max_path = 1024;
  // What the tenant's storage quota has left (PackageQuotaExceeded past it).
  size_t quota_bytes = SIZE_MAX;
};

// Where the call's code stands once unpacked.
struct UnpackedPackage {
  PythonEntry entry;  // module always set
  size_t files = 0;
  size_t directories = 0;  // made by unpacking, the package's own directory not counted
  size_t bytes = 0;
};

// The single-file module name: the file is stored as function.py.
inline constexpr std::string_view kSingleFileModule = "function";

// Unpacks `body` into the existing empty directory `dir` and settles the entry module: the one
// asked for (it must exist), else the only top-level module, else one of main, function,
// handler, lambda_function, app. Throws PackageError.
UnpackedPackage unpack_python_package(std::string_view body, const std::filesystem::path& dir,
                                      const PythonEntry& requested,
                                      const PackageLimits& limits = {});

}  // namespace wasmlet::runtime
