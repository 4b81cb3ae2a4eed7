#include "runtime/function_store.h"

#include <fmt/chrono.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <nlohmann/json.hpp>

#include "engine/errors.h"
#include "util/files.h"
#include "util/sha256.h"

namespace wasmlet::runtime {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

constexpr const char* kMeta = "meta.json";
constexpr const char* kLegacyWasm = "function.wasm";  // before modules were named by hash
constexpr const char* kModulePrefix = "module-";
constexpr const char* kPackagePrefix = "package-";
constexpr const char* kStagingPrefix = ".staging";

std::string now_rfc3339() {
  return fmt::format("{:%Y-%m-%dT%H:%M:%SZ}", fmt::gmtime(std::time(nullptr)));
}

json to_json(const FunctionInfo& info) {
  json j = {{"user", info.id.user},
            {"name", info.id.name},
            {"kind", info.kind == FunctionKind::Wasm ? "wasm" : "python"},
            {"size_bytes", info.size_bytes},
            {"sha256", info.sha256},
            {"compile_seconds", info.compile_seconds},
            {"uploaded_at", info.uploaded_at}};
  if (!info.module.empty()) j["module"] = info.module;
  if (info.kind == FunctionKind::Python) {
    j["entry"] = info.python_entry.str();
    j["convention"] = convention_name(info.convention);
    j["package"] = info.package;
  }
  return j;
}

FunctionInfo from_json(const json& j) {
  FunctionInfo info;
  info.id = make_function_id(j.at("user").get<std::string>(), j.at("name").get<std::string>());
  info.kind = j.at("kind") == "python" ? FunctionKind::Python : FunctionKind::Wasm;
  info.size_bytes = j.at("size_bytes").get<size_t>();
  info.sha256 = j.at("sha256").get<std::string>();
  info.compile_seconds = j.value("compile_seconds", 0.0);
  info.uploaded_at = j.value("uploaded_at", "");
  info.module = j.value("module", info.kind == FunctionKind::Wasm ? kLegacyWasm : "");
  if (info.kind == FunctionKind::Python) {
    info.python_entry = parse_entry(j.at("entry").get<std::string>());
    info.convention = parse_convention(j.value("convention", ""));
    info.package = j.at("package").get<std::string>();
  }
  return info;
}

// A module with neither `_start` nor another function export has nothing to invoke.
bool has_entry(const engine::ModuleInfo& info) {
  if (info.find_export("_start") != nullptr) return true;
  return std::ranges::any_of(info.exports, [](const engine::Export& e) {
    return e.type.kind == engine::ExternKind::Func && e.name != "_initialize";
  });
}

// Files and directories of a function directory that meta.json does not name: what an
// interrupted or replaced upload left (temporary files of util::write_file_atomic start with
// '.', staging directories too).
bool is_leftover(const std::string& name, const FunctionInfo& info) {
  if (name == kMeta || name == info.module || name == info.package) return false;
  return name.starts_with('.') || name.starts_with(kPackagePrefix) ||
         name.starts_with(kModulePrefix) || name == kLegacyWasm;
}

// Work directories of compiles killed with their server, under the compile cache (data
// dir/cache/abi<N>/tmp). Other processes may share the cache and compile right now, so only
// directories far older than any compile's wall-time limit go.
void remove_stale_compile_dirs(const fs::path& cache) {
  constexpr auto kStale = std::chrono::hours(1);
  std::error_code ec;
  auto now = fs::file_time_type::clock::now();
  for (const auto& abi : fs::directory_iterator(cache, ec)) {
    std::error_code iec;
    for (const auto& work : fs::directory_iterator(abi.path() / "tmp", iec)) {
      std::error_code tec;
      auto written = fs::last_write_time(work.path(), tec);
      if (tec || now - written < kStale) continue;
      spdlog::info("removing stale compile directory {}", work.path().string());
      fs::remove_all(work.path(), tec);
    }
  }
}

std::string_view as_text(std::span<const unsigned char> bytes) {
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

}  // namespace

FunctionStore::FunctionStore(fs::path data_dir, const engine::Engine& engine,
                             engine::LoadOptions load_options)
    : dir_(std::move(data_dir)), engine_(engine), load_options_(std::move(load_options)) {
  fs::create_directories(dir_ / "functions");
  fs::create_directories(shared_dir());
  remove_stale_compile_dirs(dir_ / "cache");
  for (const auto& user : fs::directory_iterator(dir_ / "functions")) {
    if (!user.is_directory()) continue;
    for (const auto& fn : fs::directory_iterator(user.path())) {
      fs::path meta = fn.path() / kMeta;
      std::error_code ec;
      if (!fs::exists(meta)) {
        // A first upload killed before it finished: nothing of it was ever listed.
        spdlog::info("removing unfinished upload {}", fn.path().string());
        fs::remove_all(fn.path(), ec);
        continue;
      }
      try {
        FunctionInfo info = from_json(json::parse(util::read_text_file(meta)));
        util::MutexLock lock(mutex_);  // nobody else yet; the analysis wants it held
        index_[info.id] = info;
        remove_leftovers_locked(info, true);
      } catch (const std::exception& e) {
        spdlog::warn("ignoring unreadable function metadata {}: {}", meta.string(), e.what());
      }
    }
  }
}

fs::path FunctionStore::function_dir(const FunctionId& id) const {
  return dir_ / "functions" / id.user / id.name;
}

FunctionInfo FunctionStore::put_wasm(const FunctionId& id, std::span<const unsigned char> wasm,
                                     std::stop_token stop) {
  std::shared_ptr<const engine::Module> module;
  engine::LoadOptions options = load_options_;
  options.stop = std::move(stop);
  try {
    module = engine_.load(wasm, options);
  } catch (const engine::ModuleRejected& e) {
    throw UploadError(e.what());  // the module's fault; a compiler failure is the server's
  }
  if (!has_entry(module->info())) {
    throw UploadError(
        "the module exports no _start (build it as a WASI command) and no other function");
  }
  FunctionInfo info;
  info.id = id;
  info.kind = FunctionKind::Wasm;
  info.size_bytes = wasm.size();
  info.sha256 = util::sha256_hex(wasm);
  info.compile_seconds = module->compile_seconds();
  info.uploaded_at = now_rfc3339();
  // Named by its hash, next to the module it replaces: the atomic rename of meta.json alone
  // switches to it, so a crash at any point lists either the old hash and code or the new.
  info.module = kModulePrefix + info.sha256 + ".wasm";

  util::MutexLock lock(mutex_);
  fs::path dir = function_dir(id);
  fs::create_directories(dir);
  util::write_file_atomic(dir / info.module, as_text(wasm));
  util::write_file_atomic(dir / kMeta, to_json(info).dump(2));  // last: marks the upload done
  index_[id] = info;
  remove_leftovers_locked(info);
  return info;
}

StagedPython FunctionStore::stage_python(const FunctionId& id, std::string_view body,
                                         const PythonEntry& requested, PythonConvention convention,
                                         size_t quota_bytes) {
  StagedPython staged;
  FunctionInfo& info = staged.info;
  info.id = id;
  info.kind = FunctionKind::Python;
  info.size_bytes = body.size();
  info.sha256 =
      util::sha256_hex({reinterpret_cast<const unsigned char*>(body.data()), body.size()});
  info.uploaded_at = now_rfc3339();
  info.convention = convention;
  info.package = kPackagePrefix + info.sha256.substr(0, 16);

  fs::path dir = function_dir(id);
  fs::create_directories(dir);
  // Unpacked under a temporary name and renamed into place whole: a package directory is
  // either complete or absent.
  util::TempDir tmp(dir, kStagingPrefix);
  PackageLimits limits;
  limits.quota_bytes = quota_bytes;
  UnpackedPackage unpacked = unpack_python_package(body, tmp.path(), requested, limits);
  info.python_entry = unpacked.entry;
  // Quotas count what the package takes on disk, not only what its compressed upload took.
  info.size_bytes = std::max(body.size(), unpacked.bytes);
  staged.package_dir = dir / info.package;
  util::MutexLock lock(mutex_);
  std::error_code ec;
  fs::rename(tmp.path(), staged.package_dir, ec);
  if (ec) {
    // The same bytes are stored already (ENOTEMPTY/EEXIST): use that copy.
    if (!fs::is_directory(staged.package_dir)) {
      throw Error(fmt::format("cannot store package: {}", ec.message()));
    }
    staged.replaces_nothing_new = true;
  }
  return staged;
}

FunctionInfo FunctionStore::commit_python(const StagedPython& staged) {
  const FunctionInfo& info = staged.info;
  util::MutexLock lock(mutex_);
  fs::path dir = function_dir(info.id);
  util::write_file_atomic(dir / kMeta, to_json(info).dump(2));  // last: marks the upload done
  index_[info.id] = info;
  remove_leftovers_locked(info);  // a replaced wasm module or package
  return info;
}

void FunctionStore::discard(const StagedPython& staged) {
  util::MutexLock lock(mutex_);
  auto it = index_.find(staged.info.id);
  bool in_use = it != index_.end() && it->second.package == staged.info.package;
  if (staged.replaces_nothing_new || in_use) return;
  std::error_code ec;
  fs::remove_all(staged.package_dir, ec);
}

fs::path FunctionStore::package_dir(const FunctionInfo& info) const {
  return function_dir(info.id) / info.package;
}

fs::path FunctionStore::module_path(const FunctionInfo& info) const {
  return function_dir(info.id) / info.module;
}

void FunctionStore::remove_leftovers_locked(const FunctionInfo& info, bool at_start) {
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(function_dir(info.id), ec)) {
    std::string name = e.path().filename().string();
    // Another upload of this function may be unpacking into its staging directory (outside
    // the lock) right now; only at start-up can staging directories be nobody's.
    if (!at_start && name.starts_with(kStagingPrefix)) continue;
    if (is_leftover(name, info)) {
      std::error_code rec;
      fs::remove_all(e.path(), rec);
    }
  }
}

bool FunctionStore::contains(const FunctionId& id) const {
  util::MutexLock lock(mutex_);
  return index_.contains(id);
}

std::optional<FunctionKind> FunctionStore::kind(const FunctionId& id) const {
  util::MutexLock lock(mutex_);
  auto it = index_.find(id);
  if (it == index_.end()) return std::nullopt;
  return it->second.kind;
}

std::optional<FunctionInfo> FunctionStore::get(const FunctionId& id) const {
  util::MutexLock lock(mutex_);
  auto it = index_.find(id);
  if (it == index_.end()) return std::nullopt;
  return it->second;
}

std::vector<FunctionInfo> FunctionStore::list() const {
  util::MutexLock lock(mutex_);
  std::vector<FunctionInfo> out;
  for (const auto& [id, info] : index_) out.push_back(info);
  return out;
}

bool FunctionStore::remove(const FunctionId& id) {
  util::MutexLock lock(mutex_);
  if (index_.erase(id) == 0) return false;
  fs::path dir = function_dir(id);
  fs::remove(dir / kMeta);  // first: a crash after this leaves nothing that looks stored
  fs::remove_all(dir);
  return true;
}

std::shared_ptr<const engine::Module> FunctionStore::load(const FunctionId& id) const {
  std::vector<unsigned char> bytes;
  {
    // Under the lock: an overwrite removes the module it replaces once meta.json names the new.
    util::MutexLock lock(mutex_);
    auto it = index_.find(id);
    if (it == index_.end()) throw UnknownFunction(id);
    if (it->second.module.empty()) {
      throw Error(fmt::format("{} is not a stored wasm function", id.str()));
    }
    bytes = util::read_file(function_dir(id) / it->second.module);
  }
  return engine_.load(bytes, load_options_);
}

}  // namespace wasmlet::runtime
