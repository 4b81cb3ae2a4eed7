#include "runtime/function_store.h"

#include <fmt/chrono.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <ctime>
#include <nlohmann/json.hpp>

#include "util/files.h"
#include "util/sha256.h"

namespace wasmlet::runtime {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

constexpr const char* kMeta = "meta.json";
constexpr const char* kWasm = "function.wasm";
constexpr const char* kPython = "function.py";

std::string now_rfc3339() {
  return fmt::format("{:%Y-%m-%dT%H:%M:%SZ}", fmt::gmtime(std::time(nullptr)));
}

json to_json(const FunctionInfo& info) {
  return {{"user", info.id.user},
          {"name", info.id.name},
          {"kind", info.kind == FunctionKind::Wasm ? "wasm" : "python"},
          {"size_bytes", info.size_bytes},
          {"sha256", info.sha256},
          {"compile_seconds", info.compile_seconds},
          {"uploaded_at", info.uploaded_at}};
}

FunctionInfo from_json(const json& j) {
  FunctionInfo info;
  info.id = make_function_id(j.at("user").get<std::string>(), j.at("name").get<std::string>());
  info.kind = j.at("kind") == "python" ? FunctionKind::Python : FunctionKind::Wasm;
  info.size_bytes = j.at("size_bytes").get<size_t>();
  info.sha256 = j.at("sha256").get<std::string>();
  info.compile_seconds = j.value("compile_seconds", 0.0);
  info.uploaded_at = j.value("uploaded_at", "");
  return info;
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
  for (const auto& user : fs::directory_iterator(dir_ / "functions")) {
    if (!user.is_directory()) continue;
    for (const auto& fn : fs::directory_iterator(user.path())) {
      fs::path meta = fn.path() / kMeta;
      if (!fs::exists(meta)) continue;  // an upload interrupted before it finished
      try {
        FunctionInfo info = from_json(json::parse(util::read_text_file(meta)));
        index_[info.id] = info;
      } catch (const std::exception& e) {
        spdlog::warn("ignoring unreadable function metadata {}: {}", meta.string(), e.what());
      }
    }
  }
}

fs::path FunctionStore::function_dir(const FunctionId& id) const {
  return dir_ / "functions" / id.user / id.name;
}

FunctionInfo FunctionStore::put_wasm(const FunctionId& id, std::span<const unsigned char> wasm) {
  std::shared_ptr<const engine::Module> module;
  try {
    module = engine_.load(wasm, load_options_);
  } catch (const std::exception& e) {
    throw UploadError(e.what());
  }
  FunctionInfo info;
  info.id = id;
  info.kind = FunctionKind::Wasm;
  info.size_bytes = wasm.size();
  info.sha256 = util::sha256_hex(wasm);
  info.compile_seconds = module->compile_seconds();
  info.uploaded_at = now_rfc3339();

  std::lock_guard lock(mutex_);
  fs::path dir = function_dir(id);
  fs::create_directories(dir);
  fs::remove(dir / kPython);
  util::write_file_atomic(dir / kWasm, as_text(wasm));
  util::write_file_atomic(dir / kMeta, to_json(info).dump(2));  // last: marks the upload done
  index_[id] = info;
  return info;
}

FunctionInfo FunctionStore::put_python(const FunctionId& id, std::string_view source) {
  FunctionInfo info;
  info.id = id;
  info.kind = FunctionKind::Python;
  info.size_bytes = source.size();
  info.sha256 =
      util::sha256_hex({reinterpret_cast<const unsigned char*>(source.data()), source.size()});
  info.uploaded_at = now_rfc3339();

  std::lock_guard lock(mutex_);
  fs::path dir = function_dir(id);
  fs::create_directories(dir);
  fs::remove(dir / kWasm);
  util::write_file_atomic(dir / kPython, source);
  util::write_file_atomic(dir / kMeta, to_json(info).dump(2));
  index_[id] = info;
  return info;
}

std::optional<FunctionInfo> FunctionStore::get(const FunctionId& id) const {
  std::lock_guard lock(mutex_);
  auto it = index_.find(id);
  if (it == index_.end()) return std::nullopt;
  return it->second;
}

std::vector<FunctionInfo> FunctionStore::list() const {
  std::lock_guard lock(mutex_);
  std::vector<FunctionInfo> out;
  for (const auto& [id, info] : index_) out.push_back(info);
  return out;
}

bool FunctionStore::remove(const FunctionId& id) {
  std::lock_guard lock(mutex_);
  if (index_.erase(id) == 0) return false;
  fs::path dir = function_dir(id);
  fs::remove(dir / kMeta);  // first: a crash after this leaves nothing that looks stored
  fs::remove_all(dir);
  return true;
}

std::shared_ptr<const engine::Module> FunctionStore::load(const FunctionId& id) const {
  auto bytes = util::read_file(function_dir(id) / kWasm);
  return engine_.load(bytes, load_options_);
}

}  // namespace wasmlet::runtime
