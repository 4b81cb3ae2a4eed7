#pragma once
// The load `wasmlet bench` generates: a closed loop over N keep-alive HTTP/1.1 connections
// driven by one or a few threads. Each connection runs one operation after another and keeps
// the latencies of its own operations (no locks while running). An operation is one request,
// a chain of requests (each response body the next request's body), or a submit and the polls
// of an async call until it finishes.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace wasmlet::cli {

struct LoadSpec {
  std::string host = "127.0.0.1";
  uint16_t port = 80;
  std::string bearer_token;  // sent as `Authorization: Bearer ...` when not empty
  std::string method = "POST";
  // One request target, or the chain of them.
  std::vector<std::string> targets;
  std::string body;  // the first request's
  std::string content_type = "application/octet-stream";
  // targets[0] answers 202 {"id": N}; then GET /v1/calls/N until its status is final.
  bool async_poll = false;
  int connections = 1;
  int threads = 1;
  std::chrono::duration<double> warmup{0};    // run but not measured
  std::chrono::duration<double> duration{1};  // measured
};

struct LoadResult {
  std::vector<double> latencies_us;  // of the operations that succeeded, sorted
  uint64_t requests = 0;             // operations that finished in the measured window
  uint64_t errors = 0;               // of those, the ones that failed
  double seconds = 0;                // the measured window as run (shorter when stopped)
  bool stopped = false;              // `stop` was set before the end
  std::string first_error;           // what the first failure was, "" when none
};

// Called about ten times a second on the calling thread: seconds since the start (warmup
// included) and operations finished so far.
using LoadProgress = std::function<void(double elapsed_s, uint64_t finished)>;

// Runs the load for warmup + duration, or until `stop` is set; operations still in flight at
// the end are not counted. Throws Error when the host cannot be resolved;
// failures to connect or exchange count as errors (first_error says which).
LoadResult run_load(const LoadSpec& spec, const std::atomic<bool>& stop,
                    const LoadProgress& progress = {});

}  // namespace wasmlet::cli
