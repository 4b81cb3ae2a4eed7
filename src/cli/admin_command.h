#pragma once
// `wasmlet admin`: tenants, API keys, quotas and grants, either offline on a data directory
// (the server stopped; how the first admin key is made) or over the HTTP admin API with an
// admin key. See docs/admin.md.
#include <CLI/CLI.hpp>
#include <string>
#include <vector>

namespace wasmlet::cli {

// What the admin subcommands parse into. One instance lives as long as the CLI::App.
struct AdminOptions {
  std::string data_dir;  // --data-dir: work on the store directly
  std::string server;    // --server: else $WASMLET_SERVER, the config file, localhost:8080
  std::string key;       // --key: else $WASMLET_KEY, the config file
  std::string ca_file;   // --cacert: else $WASMLET_CACERT, the config file, the system's CAs
  double timeout_seconds = 60;

  std::string tenant;            // tenant add|rm|quota, key create|list
  bool admin = false;            // tenant add --admin
  std::vector<std::string> set;  // tenant quota --set FIELD=VALUE
  std::string label;             // key create --label
  std::string key_id;            // key revoke
  std::string object;            // share OWNER/FN, public KIND OWNER/NAME
  std::string grantee;           // share --with
  bool revoke = false;           // share --revoke
  std::string kind;              // public: function, app, workflow
  std::string on_off;            // public: on, off
};

void add_admin_command(CLI::App& app, AdminOptions& options);

// Runs `wasmlet admin ...` when it was parsed: sets `handled` and returns the exit status
// (errors print "wasmlet: error: ..." and return 1).
int run_admin_command(CLI::App& app, const AdminOptions& options, bool& handled);

}  // namespace wasmlet::cli
