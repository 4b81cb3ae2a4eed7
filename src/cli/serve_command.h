#pragma once
// `wasmlet serve`: the runtime behind the HTTP API, until SIGINT or SIGTERM.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>

namespace CLI {
class App;
}

namespace wasmlet::cli {

struct ServeOptions {
  std::string address = "127.0.0.1";
  uint16_t port = 8080;   // 0: any free port
  size_t io_threads = 0;  // 0: one per core, at least two
  size_t executor_threads = 2;
  std::filesystem::path data_dir;            // empty: default_data_dir()
  size_t queue_capacity = 4096;              // calls waiting for an executor, in all...
  size_t tenant_queue_capacity = 1024;       // ...and of one tenant
  size_t queue_bytes = 2ull << 30;           // their inputs, in all...
  size_t tenant_queue_bytes = 512ull << 20;  // ...and of one tenant
  size_t burst_slots = 2;                    // see runtime::RuntimeConfig::burst_slots
  size_t max_tree_calls = 10000;             // calls one request may make, chained ones included
  size_t max_body_bytes = 64ull << 20;
  size_t max_body_memory = 1ull << 30;
  size_t max_module_bytes = 64ull << 20;                             // an uploaded module
  std::chrono::nanoseconds compile_time = std::chrono::minutes(10);  // compiling one upload
  size_t max_connections = 10000;  // beyond this, 503 (see server::ServerConfig)
  std::chrono::nanoseconds timeout = std::chrono::seconds(60);  // per call
  uint32_t memory_pages = 16384;                                // 1 GiB per Faaslet
  size_t heap_reserve_bytes = size_t{4} << 20;  // faaslet::FunctionLimits::heap_reserve_bytes
  std::string log_level = "info";
  // Serve without API keys on an address that is not loopback (see docs/security.md).
  bool allow_open = false;
  std::string state_url;              // global state tier: empty = in process; redis://HOST:PORT
  std::filesystem::path python_home;  // empty: default_python_home()
  bool capture_stdout = true;         // Faasm API: stdout before the output
  bool hand_over_resets = true;       // RuntimeConfig::hand_over_resets
  std::filesystem::path tls_cert, tls_key;  // HTTPS: certificate chain and key (PEM), or neither
  // A cluster to join (redis://HOST:PORT; empty: none), this host's id in it (empty: the
  // hostname and port) and the HOST:PORT its peers reach it at (empty: --address and --port).
  std::string cluster_url, host_id, advertise;
};

// $WASMLET_PYTHON_HOME, else the Python home this build made (empty when it made none).
std::filesystem::path default_python_home();

// $XDG_DATA_HOME/wasmlet, else ~/.local/share/wasmlet.
std::filesystem::path default_data_dir();

// The subcommand's options, bound to `options`.
void add_serve_options(CLI::App& sub, ServeOptions& options);

// Serves until SIGINT or SIGTERM, then shuts down gracefully (calls in flight are answered)
// and returns 0. Throws Error when the runtime or the listener cannot start.
int serve_main(const ServeOptions& options);

}  // namespace wasmlet::cli
