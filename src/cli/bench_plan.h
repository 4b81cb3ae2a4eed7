#pragma once
// A `wasmlet bench` plan (docs/bench-tool.md): what to load, with which matrix of settings,
// for how long. Parsed from untrusted JSON: every refusal is a PlanError naming the field.
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/error.h"

namespace wasmlet::cli {

class PlanError : public Error {
 public:
  using Error::Error;
};

enum class TargetKind { Function, Workflow, App, Http, Composition };
enum class Trigger { Sync, Async };
enum class Start { Warm, Cold };

const char* kind_name(TargetKind kind);
const char* trigger_name(Trigger trigger);
const char* start_name(Start start);

struct BenchTarget {
  std::string name;
  TargetKind kind = TargetKind::Function;
  std::string object;              // "USER/NAME": the function, workflow or app
  std::string path = "/";          // app: the path under /apps/USER/APP
  std::string method = "POST";     // app and http
  std::string url;                 // http: "http://HOST:PORT/PATH"
  std::vector<std::string> steps;  // composition: "USER/NAME" functions, in order
  std::string file;                // function: its module, needed for cold starts

  // Whether the request carries the input (GET, HEAD and DELETE do not).
  bool sends_body() const;
};

struct BenchMatrix {
  std::vector<int> concurrency{1};
  std::vector<size_t> input_bytes{64};
  std::vector<Trigger> trigger{Trigger::Sync};
  std::vector<Start> start{Start::Warm};
};

// Servers the tool starts itself (`wasmlet serve` on a loopback port, a fresh data directory),
// one per combination of these settings; empty lists leave the server's default.
struct SpawnSpec {
  std::vector<int> executor_threads;
  std::vector<std::string> memory_limit;  // e.g. "64MiB"
  std::vector<std::string> timeout;       // e.g. "10s"
};

// One spawned server's settings: 0 or "" for the default.
struct ServerSetting {
  int executor_threads = 0;
  std::string memory_limit, timeout;
  nlohmann::json params = nlohmann::json::object();  // the settings given, for the cells
};

struct BenchPlan {
  std::string title = "wasmlet bench";
  std::vector<BenchTarget> targets;
  BenchMatrix matrix;
  double duration_s = 5;  // measured, per cell
  double warmup_s = 1;    // run but not measured, per cell
  double max_total_s = 600;
  int client_threads = 1;  // the load generator's threads
  std::optional<SpawnSpec> spawn;
  nlohmann::json source;  // the plan as given, for the results
};

// The hard caps, whatever a plan says.
inline constexpr size_t kMaxCells = 256;
inline constexpr double kMaxTotalSeconds = 3600;

// An http:// URL, split. https:// is refused: the load generator speaks plain HTTP only.
struct HttpUrl {
  std::string host;
  uint16_t port = 80;
  std::string target = "/";  // path and query
};
// Throws PlanError naming `field` when `url` is not "http://HOST[:PORT][/PATH]".
HttpUrl parse_http_url(std::string_view url, std::string_view field);

// Throws PlanError for text that is not JSON or not a valid plan.
BenchPlan parse_bench_plan(std::string_view text);

// One measured run: a target under one combination of the axes that apply to it.
struct BenchCell {
  size_t target = 0;  // index into BenchPlan::targets
  int server = -1;    // index into CellPlan::servers; -1: the server given (--server)
  int concurrency = 1;
  size_t input_bytes = 0;
  Trigger trigger = Trigger::Sync;
  Start start = Start::Warm;
  nlohmann::json params;  // the axes that apply, as the results name them
};

struct CellPlan {
  std::vector<ServerSetting> servers;  // with spawn: the servers to start, in order
  std::vector<BenchCell> cells;        // grouped by server
  std::vector<std::string> notes;      // axes or combinations skipped, and why
};

// The cross product of the matrix per target, less what does not apply (each skip noted). With
// spawn, url targets run once (their server is not the tool's), the others once per server.
CellPlan expand_cells(const BenchPlan& plan);

// The longest the cells can take: (warmup + duration) each, plus a second of set-up, plus
// kSpawnSeconds per spawned server.
inline constexpr double kSpawnSeconds = 15;
double estimated_seconds(const BenchPlan& plan, const CellPlan& cells);

// Throws PlanError when there are no cells, more than kMaxCells, or the estimate exceeds the
// plan's max_total_s, `max_seconds` (when > 0) or kMaxTotalSeconds.
void check_bounds(const BenchPlan& plan, const CellPlan& cells, double max_seconds);

}  // namespace wasmlet::cli
