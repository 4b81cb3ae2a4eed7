#pragma once
// Where a client command finds its server and credentials: flags, then the environment, then
// the config file ($WASMLET_CONFIG, else $XDG_CONFIG_HOME/wasmlet/config.json, else
// ~/.config/wasmlet/config.json):
//   {"server": "HOST:PORT", "key": "wlk_...", "cacert": "/path/ca.pem"}
// The file holds a key, so, as ssh does with private keys, one that group or others may read
// or write is refused.
#include <filesystem>
#include <optional>
#include <string>

namespace wasmlet::cli {

struct ClientConfig {
  std::string server;  // "" when the file does not say
  std::string key;
  std::string cacert;
};

// The config file's path (it need not exist).
std::filesystem::path client_config_path();

// The config file, or nullopt when there is none. Throws Error naming the file when it is
// unreadable, open to group or others, not a JSON object of those string fields, or has any
// other field.
std::optional<ClientConfig> load_client_config();

// The API key to send: `flag_key` (--key) when given, else $WASMLET_KEY when set and not
// empty, else the config file's "key", else "". The file is read only when needed. Throws
// Error when the key found is not a Wasmlet key, naming where it came from.
std::string resolve_client_key(const std::string& flag_key);

}  // namespace wasmlet::cli
