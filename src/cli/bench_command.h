#pragma once
// `wasmlet bench PLAN.json`: runs a plan's matrix of load against a server (or any HTTP
// endpoint) and writes results.json, results.csv and report.html. See docs/bench-tool.md.
#include <CLI/CLI.hpp>
#include <string>

namespace wasmlet::cli {

struct BenchOptions {
  std::string plan;                       // the plan's file
  std::string out_dir = "bench-out";      // -o
  std::string server = "localhost:8080";  // --server, or $WASMLET_SERVER
  std::string key;                        // --key, else $WASMLET_KEY, else the config file
  double timeout_seconds = 600;           // --timeout: for one set-up request
  double max_seconds = 0;                 // --max-seconds: a bound below the plan's (0: none)
};

void add_bench_command(CLI::App& app, BenchOptions& opts);

// Runs `wasmlet bench` when it was parsed (sets `handled`). Exit status: 0 when every cell
// ran, 2 for a plan that is invalid or too long, 1 for other errors (server unreachable, a
// target missing), 130 when interrupted (what was measured is written all the same).
int run_bench_command(CLI::App& app, const BenchOptions& opts, bool& handled);

}  // namespace wasmlet::cli
