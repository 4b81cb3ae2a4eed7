#pragma once
// The `wasmlet` commands that talk to a running server over HTTP: upload, invoke, status,
// state get|put, functions, rm, workflow upload|invoke|list|show|rm. See docs/cli-client.md.
#include <CLI/CLI.hpp>
#include <string>

namespace wasmlet::cli {

// What the client subcommands parse into. One instance lives as long as the CLI::App.
struct ClientOptions {
  std::string server = "localhost:8080";  // --server, or $WASMLET_SERVER
  std::string function;                   // USER/FN (or USER/WORKFLOW)
  std::string file;                       // upload: the module, Python source or definition
  bool python = false;                    // upload --python
  std::string entry, convention;          // upload: Python entry and convention
  std::string input, input_file;          // invoke
  bool async = false;                     // invoke --async
  std::string call_id;                    // status
  std::string state_key;                  // state get|put USER/KEY
  std::string value, value_file;          // state put --value | --file
  double timeout_seconds = 600;           // --timeout: for one request, connect included
  std::string ca_file;                    // --cacert, or $WASMLET_CACERT: CAs for https://
  std::string key;                        // --key, else $WASMLET_KEY, else the config file
};

// Adds the client subcommands to `app`, parsing into `opts`.
void add_client_commands(CLI::App& app, ClientOptions& opts);

// Runs the client subcommand that was parsed, if any: sets `handled` and returns the exit
// status (errors print one line, "wasmlet: error: ...", and return non-zero). Returns 0 with
// `handled` false when no client subcommand was given.
int run_client_command(CLI::App& app, const ClientOptions& opts, bool& handled);

}  // namespace wasmlet::cli
