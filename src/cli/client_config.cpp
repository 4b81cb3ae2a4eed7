#include "cli/client_config.h"

#include <fmt/format.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <nlohmann/json.hpp>

#include "auth/api_key.h"
#include "util/error.h"
#include "util/files.h"

namespace wasmlet::cli {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

const char* env(const char* name) {
  const char* v = std::getenv(name);
  return v && *v ? v : nullptr;
}

std::string check_key(std::string key, std::string_view source) {
  if (!auth::parse_key(key)) {
    throw Error(
        fmt::format("the key from {} is not a Wasmlet API key (wlk_<id>_<secret>)", source));
  }
  return key;
}

}  // namespace

fs::path client_config_path() {
  if (const char* path = env("WASMLET_CONFIG")) return path;
  if (const char* xdg = env("XDG_CONFIG_HOME")) return fs::path(xdg) / "wasmlet" / "config.json";
  const char* home = env("HOME");
  if (!home) throw Error("neither WASMLET_CONFIG, XDG_CONFIG_HOME nor HOME is set");
  return fs::path(home) / ".config" / "wasmlet" / "config.json";
}

std::optional<ClientConfig> load_client_config() {
  fs::path path = client_config_path();
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return std::nullopt;
    throw Error(fmt::format("cannot read {}: {}", path.string(), std::strerror(errno)));
  }
  if ((st.st_mode & 077) != 0) {
    throw Error(fmt::format(
        "{} holds a key but group or others may access it (mode {:04o}): run chmod 600 {}",
        path.string(), st.st_mode & 07777, path.string()));
  }
  json j = json::parse(util::read_text_file(path), nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) throw Error(fmt::format("{} is not a JSON object", path.string()));
  ClientConfig config;
  for (const auto& [field, value] : j.items()) {
    std::string* slot = field == "server"   ? &config.server
                        : field == "key"    ? &config.key
                        : field == "cacert" ? &config.cacert
                                            : nullptr;
    if (!slot) {
      throw Error(fmt::format("{}: unknown field '{}' (server, key, cacert)", path.string(),
                              field.substr(0, 64)));
    }
    if (!value.is_string())
      throw Error(fmt::format("{}: '{}' must be a string", path.string(), field));
    *slot = value.get<std::string>();
  }
  return config;
}

std::string resolve_client_key(const std::string& flag_key) {
  if (!flag_key.empty()) return check_key(flag_key, "--key");
  if (const char* key = env("WASMLET_KEY")) return check_key(key, "$WASMLET_KEY");
  auto config = load_client_config();
  if (!config || config->key.empty()) return "";
  return check_key(config->key, client_config_path().string());
}

}  // namespace wasmlet::cli
