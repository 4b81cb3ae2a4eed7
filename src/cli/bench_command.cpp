#include "cli/bench_command.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <regex>
#include <thread>

#include "cli/bench_plan.h"
#include "cli/bench_report.h"
#include "cli/bench_stats.h"
#include "cli/client_config.h"
#include "cli/client_support.h"
#include "cli/load_generator.h"
#include "util/files.h"
#include "util/http_client.h"
#include "web/web_assets.h"

namespace wasmlet::cli {

namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

// The report page (web/src/report), built into the binary with the console.
std::string_view report_template() {
  const web::Asset* page = web::find_asset("report/report.html");
  if (page == nullptr) throw Error("this build has no report page (web/ assets)");
  return page->body;
}

std::atomic<bool> g_interrupted{false};
static_assert(std::atomic<bool>::is_always_lock_free);  // set from a signal handler

// Ctrl-C (and SIGTERM) stop the run: what was measured is still written.
class InterruptGuard {
 public:
  InterruptGuard() {
    struct sigaction action {};
    action.sa_handler = [](int) { g_interrupted.store(true); };
    sigemptyset(&action.sa_mask);
    sigaction(SIGINT, &action, &old_int_);
    sigaction(SIGTERM, &action, &old_term_);
  }
  InterruptGuard(const InterruptGuard&) = delete;
  InterruptGuard& operator=(const InterruptGuard&) = delete;
  ~InterruptGuard() {
    sigaction(SIGINT, &old_int_, nullptr);
    sigaction(SIGTERM, &old_term_, nullptr);
  }

 private:
  struct sigaction old_int_ {};
  struct sigaction old_term_ {};
};

std::string params_text(const json& params) {
  std::string out;
  for (const auto& item : params.items()) {
    const json& v = item.value();
    out += fmt::format("{}{}={}", out.empty() ? "" : " ", item.key(),
                       v.is_string() ? v.get<std::string>() : v.dump());
  }
  return out;
}

// A `wasmlet serve` started by this command for a plan's "spawn": this same binary, on a
// loopback port of its choosing, with a fresh data directory and the setting's flags. Stopped
// (SIGTERM, then SIGKILL after 10 s) when the object dies.
class SpawnedServer {
 public:
  explicit SpawnedServer(const ServerSetting& setting)
      : dir_(fs::temp_directory_path(), "wasmlet-bench") {
    std::vector<std::string> argv = {"/proc/self/exe", "serve", "--address",  "127.0.0.1",
                                     "--port",         "0",     "--data-dir", data_dir(),
                                     "--log-level",    "info"};
    if (setting.executor_threads > 0)
      argv.insert(argv.end(), {"--executor-threads", std::to_string(setting.executor_threads)});
    if (!setting.memory_limit.empty())
      argv.insert(argv.end(), {"--memory-limit", setting.memory_limit});
    if (!setting.timeout.empty()) argv.insert(argv.end(), {"--timeout", setting.timeout});
    start(argv);
    // The port it bound is in its start-up log.
    static const std::regex listening("listening on http://[^ ]*:([0-9]+)");
    auto deadline = Clock::now() + std::chrono::seconds(60);
    while (port_ == 0) {
      std::smatch m;
      std::string log = this->log();
      if (std::regex_search(log, m, listening)) {
        port_ = static_cast<uint16_t>(std::stoi(m[1]));
        break;
      }
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_ || Clock::now() > deadline) {
        if (Clock::now() > deadline) stop();
        pid_ = -1;
        throw Error(fmt::format("the server started for {} did not come up:\n{}",
                                params_text(setting.params), log));
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
  SpawnedServer(const SpawnedServer&) = delete;
  SpawnedServer& operator=(const SpawnedServer&) = delete;
  ~SpawnedServer() { stop(); }

  std::string address() const { return fmt::format("127.0.0.1:{}", port_); }

 private:
  std::string data_dir() const { return (dir_.path() / "data").string(); }
  std::string log() const {
    try {
      return util::read_text_file(dir_.path() / "server.log");
    } catch (const std::exception&) {
      return "";
    }
  }

  void start(const std::vector<std::string>& argv) {
    std::string log_file = (dir_.path() / "server.log").string();
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log_file.c_str(),
                                     O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
    std::vector<std::string> args(argv);
    std::vector<char*> pointers;
    pointers.reserve(args.size() + 1);
    for (auto& a : args) pointers.push_back(a.data());
    pointers.push_back(nullptr);
    int rc = posix_spawn(&pid_, pointers[0], &actions, nullptr, pointers.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) throw Error(fmt::format("cannot start wasmlet serve: {}", std::strerror(rc)));
  }

  void stop() {
    if (pid_ <= 0) return;
    kill(pid_, SIGTERM);
    auto deadline = Clock::now() + std::chrono::seconds(10);
    int status = 0;
    while (waitpid(pid_, &status, WNOHANG) == 0) {
      if (Clock::now() > deadline) {
        kill(pid_, SIGKILL);
        waitpid(pid_, &status, 0);
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    pid_ = -1;
  }

  util::TempDir dir_;
  pid_t pid_ = -1;
  uint16_t port_ = 0;
};

std::string path_of(const char* prefix, const std::string& object, std::string_view suffix = {}) {
  Name n = parse_name(object, "NAME");
  return fmt::format("{}/{}/{}{}", prefix, escape_segment(n.user), escape_segment(n.name), suffix);
}

std::string now_iso8601() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  std::array<char, 32> text{};
  std::strftime(text.data(), text.size(), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return text.data();
}

// Where a target's load goes: host, port and the request targets.
struct Endpoint {
  std::string host;
  uint16_t port = 0;
  std::string method = "POST";
  std::vector<std::string> targets;
  std::string content_type = "application/octet-stream";
  std::string describe;  // for the results
};

Endpoint endpoint_of(const BenchTarget& t, const ServerAddress& server) {
  Endpoint e{server.host, server.port};
  std::string base = fmt::format("http://{}:{}", server.host, server.port);
  switch (t.kind) {
    case TargetKind::Function:
      e.targets = {path_of("/v1/functions", t.object, ":invoke")};
      break;
    case TargetKind::Workflow:
      e.targets = {path_of("/v1/workflows", t.object, ":invoke")};
      e.content_type = "application/json";
      break;
    case TargetKind::App:
      e.method = t.method;
      e.targets = {path_of("/apps", t.object) + t.path};
      break;
    case TargetKind::Http: {
      HttpUrl url = parse_http_url(t.url, "url");
      e.host = url.host;
      e.port = url.port;
      e.method = t.method;
      e.targets = {url.target};
      e.describe = t.url;
      return e;
    }
    case TargetKind::Composition:
      for (const auto& step : t.steps)
        e.targets.push_back(path_of("/v1/functions", step, ":invoke"));
      e.describe = fmt::format("{} ({})", base, fmt::join(t.steps, " -> "));
      return e;
  }
  e.describe = base + e.targets.front();
  return e;
}

// The request body for `n` input bytes: a JSON string for a workflow (two bytes at least).
std::string input_for(const BenchTarget& t, size_t n) {
  if (t.kind == TargetKind::Workflow) return "\"" + std::string(n < 2 ? 0 : n - 2, 'x') + "\"";
  return std::string(n, 'x');
}

// Fails with a clear message unless every target is there to be loaded
// (`uses_server`: the targets on the server given, as opposed to url targets).
void preflight(const BenchPlan& plan, const ServerConnection& connection, bool uses_server) {
  if (uses_server) {
    HttpClient client = connect_server(connection);
    try {
      expect_ok(client.request("GET", "/healthz"));
    } catch (const TransportError& e) {
      throw Error(fmt::format("cannot reach the server at {}: {}", connection.server, e.what()));
    }
    auto must_exist = [&](const char* prefix, const std::string& object, const char* what) {
      auto r = client.request("GET", path_of(prefix, object));
      if (r.status == 404) throw Error(fmt::format("no {} {} on the server", what, object));
      expect_ok(r);
    };
    for (const auto& t : plan.targets) {
      if (t.kind == TargetKind::Function) must_exist("/v1/functions", t.object, "function");
      if (t.kind == TargetKind::Workflow) must_exist("/v1/workflows", t.object, "workflow");
      if (t.kind == TargetKind::App) must_exist("/v1/apps", t.object, "app");
      for (const auto& step : t.steps) must_exist("/v1/functions", step, "function");
    }
  }
  for (const auto& t : plan.targets) {
    if (t.kind != TargetKind::Http) continue;
    HttpUrl url = parse_http_url(t.url, "url");
    HttpClientOptions options;
    options.connect_timeout = std::chrono::seconds(10);
    options.request_timeout = std::chrono::seconds(60);
    HttpClient client(url.host, url.port, options);
    try {
      client.request(t.method, url.target, t.sends_body() ? "x" : "");
    } catch (const TransportError& e) {
      throw Error(fmt::format("cannot reach {} (target {}): {}", t.url, t.name, e.what()));
    }
  }
}

struct Measured {
  std::vector<double> latencies_us;  // sorted
  uint64_t requests = 0, errors = 0;
  double seconds = 0;
  std::string first_error;
};

// Cold starts, one at a time: each call follows a re-upload of the same module, which makes
// the server drop the function's Proto-Faaslet and pool (the compiled code stays cached).
Measured run_cold(const BenchTarget& t, const std::string& wasm, const ServerConnection& c,
                  const BenchPlan& plan, size_t input_bytes,
                  const std::function<void(double)>& progress) {
  HttpClient client = connect_server(c);
  std::string invoke = path_of("/v1/functions", t.object, ":invoke");
  std::string upload = path_of("/v1/functions", t.object);
  std::string input = input_for(t, input_bytes);
  Measured m;
  auto start = Clock::now();
  auto end = start + std::chrono::duration_cast<Clock::duration>(
                         std::chrono::duration<double>(plan.duration_s));
  auto last = start;
  while (Clock::now() < end && !g_interrupted.load()) {
    auto up = client.request("PUT", upload, wasm, {{"Content-Type", "application/wasm"}});
    if (up.status != 200)
      throw Error(fmt::format("re-uploading {}: {}", t.object, error_message(up)));
    auto t0 = Clock::now();
    auto r = client.request("POST", invoke, input, {{"Content-Type", "application/octet-stream"}});
    auto t1 = Clock::now();
    // The bound holds: a call past it is not counted, unless it is the first (a cold start
    // slower than the cell's duration is still measured, once).
    if (t1 > end && m.requests > 0) break;
    ++m.requests;
    if (r.status == 200) {
      m.latencies_us.push_back(std::chrono::duration<double, std::micro>(t1 - t0).count());
    } else {
      ++m.errors;
      if (m.first_error.empty())
        m.first_error = fmt::format("HTTP {}: {}", r.status, error_message(r));
    }
    last = t1;
    progress(std::chrono::duration<double>(t1 - start).count());
  }
  m.seconds =
      std::min(std::chrono::duration<double>(Clock::now() - start).count(), plan.duration_s);
  std::sort(m.latencies_us.begin(), m.latencies_us.end());
  return m;
}

// A workflow run's states on a timeline, from one more run's history.
json workflow_steps(HttpClient& client, const BenchTarget& t, const std::string& input) {
  auto r = client.request("POST", path_of("/v1/workflows", t.object, ":invoke"), input,
                          {{"Content-Type", "application/json"}});
  std::string id = r.header("X-Wasmlet-Call-Id");
  if (id.empty()) return json::array();
  auto record = client.request("GET", "/v1/calls/" + id);
  if (record.status != 200) return json::array();
  json steps = json::array();
  for (const auto& h : parse_json(record).value("history", json::array())) {
    auto ns = [&](const char* a, const char* b) {
      return h.contains(a) ? h.value(a, int64_t{0}) : h.value(b, int64_t{0});
    };
    steps.push_back({{"name", h.value("state", "")},
                     {"start_us", static_cast<double>(ns("start_ns", "entered_ns")) / 1e3},
                     {"end_us", static_cast<double>(ns("end_ns", "exited_ns")) / 1e3}});
  }
  return steps;
}

// A client-orchestrated chain's steps on a timeline, from one more run driven step by step.
json composition_steps(HttpClient& client, const BenchTarget& t, std::string input) {
  json steps = json::array();
  auto start = Clock::now();
  for (const auto& step : t.steps) {
    auto t0 = Clock::now();
    auto r = client.request("POST", path_of("/v1/functions", step, ":invoke"), input,
                            {{"Content-Type", "application/octet-stream"}});
    auto t1 = Clock::now();
    if (r.status != 200) break;
    steps.push_back({{"name", step},
                     {"start_us", std::chrono::duration<double, std::micro>(t0 - start).count()},
                     {"end_us", std::chrono::duration<double, std::micro>(t1 - start).count()}});
    input = std::move(r.body);
  }
  return steps;
}

json cell_json(const BenchPlan& plan, const BenchCell& cell, const Measured& m, json steps) {
  LatencySummary s = summarize(m.latencies_us);
  json cdf = json::array();
  for (const auto& [latency, fraction] : cdf_points(m.latencies_us))
    cdf.push_back({latency, fraction});
  json out = {{"target", plan.targets[cell.target].name},
              {"params", cell.params},
              {"requests", m.requests},
              {"errors", m.errors},
              {"duration_s", m.seconds},
              {"throughput_rps", m.seconds > 0 ? static_cast<double>(m.requests) / m.seconds : 0.0},
              {"latency_us",
               {{"p50", s.p50}, {"p90", s.p90}, {"p99", s.p99}, {"max", s.max}, {"mean", s.mean}}},
              {"cdf", std::move(cdf)},
              {"steps", std::move(steps)}};
  if (!m.first_error.empty()) out["first_error"] = m.first_error;
  return out;
}

void write_outputs(const fs::path& dir, const json& results) {
  fs::create_directories(dir);
  util::write_file_atomic(dir / "results.json", results.dump(1) + "\n");
  util::write_file_atomic(dir / "results.csv", results_csv(results));
  util::write_file_atomic(dir / "report.html", render_report(report_template(), results));
}

// Reads, checks and bounds the plan; nullopt (after saying why) when it is refused.
std::optional<std::pair<BenchPlan, CellPlan>> load_plan(const BenchOptions& o) {
  try {
    std::string text;
    try {
      text = util::read_text_file(o.plan);
    } catch (const std::exception& e) {
      throw PlanError(e.what());
    }
    BenchPlan plan = parse_bench_plan(text);
    CellPlan cells = expand_cells(plan);
    check_bounds(plan, cells, o.max_seconds);
    return std::make_pair(std::move(plan), std::move(cells));
  } catch (const PlanError& e) {
    std::cerr << fmt::format("wasmlet: error: plan {}: {}\n", o.plan, e.what());
    return std::nullopt;
  }
}

// Runs one cell against `connection`'s server (or the target's own URL).
Measured run_cell(const BenchPlan& plan, const BenchCell& cell, const ServerConnection& connection,
                  const std::string& module, const LoadProgress& bar) {
  const BenchTarget& target = plan.targets[cell.target];
  if (cell.start == Start::Cold) {
    uint64_t done = 0;
    return run_cold(target, module, connection, plan, cell.input_bytes,
                    [&](double elapsed) { bar(elapsed, ++done); });
  }
  Endpoint e = endpoint_of(target, parse_server_address(connection.server));
  LoadSpec spec;
  spec.host = e.host;
  spec.port = e.port;
  if (target.kind != TargetKind::Http) spec.bearer_token = connection.key;
  spec.method = e.method;
  spec.targets = e.targets;
  spec.body = target.sends_body() ? input_for(target, cell.input_bytes) : "";
  spec.content_type = e.content_type;
  spec.async_poll = cell.trigger == Trigger::Async;
  spec.connections = cell.concurrency;
  spec.threads = plan.client_threads;
  spec.warmup = std::chrono::duration<double>(plan.warmup_s);
  spec.duration = std::chrono::duration<double>(plan.duration_s);
  LoadResult r = run_load(spec, g_interrupted, bar);
  return {std::move(r.latencies_us), r.requests, r.errors, r.seconds, std::move(r.first_error)};
}

// Starts the server of a spawn setting and uploads the plan's functions to it.
std::unique_ptr<SpawnedServer> spawn_server(const BenchPlan& plan, const ServerSetting& setting,
                                            const std::vector<std::string>& modules,
                                            double timeout_seconds) {
  std::cerr << fmt::format("wasmlet bench: starting wasmlet serve {}\n",
                           params_text(setting.params));
  auto server = std::make_unique<SpawnedServer>(setting);
  HttpClient client = connect_server({server->address(), timeout_seconds, "", ""});
  for (size_t i = 0; i < plan.targets.size(); ++i) {
    if (plan.targets[i].kind != TargetKind::Function) continue;
    auto r = client.request("PUT", path_of("/v1/functions", plan.targets[i].object), modules[i],
                            {{"Content-Type", "application/wasm"}});
    if (r.status != 200) {
      throw Error(fmt::format("uploading {} to the server started for {}: {}",
                              plan.targets[i].object, params_text(setting.params),
                              error_message(r)));
    }
  }
  return server;
}

int run(const BenchOptions& o) {
  auto loaded = load_plan(o);
  if (!loaded) return 2;
  const BenchPlan& plan = loaded->first;
  const CellPlan& cells = loaded->second;
  for (const auto& note : cells.notes) std::cerr << "wasmlet bench: note: " << note << "\n";

  ServerConnection connection{o.server, o.timeout_seconds, "", resolve_client_key(o.key)};
  ServerAddress server = parse_server_address(o.server);
  bool uses_server =
      !plan.spawn && std::any_of(plan.targets.begin(), plan.targets.end(),
                                 [](const BenchTarget& t) { return t.kind != TargetKind::Http; });
  if (server.tls && uses_server)
    throw Error("the load generator speaks plain HTTP: give the server as http://HOST:PORT");
  preflight(plan, connection, uses_server);

  // Modules for cold starts and spawned servers, read once; a relative path is the plan's
  // directory's.
  std::vector<std::string> modules(plan.targets.size());
  for (size_t i = 0; i < plan.targets.size(); ++i) {
    if (plan.targets[i].file.empty()) continue;
    fs::path file = plan.targets[i].file;
    if (file.is_relative()) file = fs::path(o.plan).parent_path() / file;
    modules[i] = util::read_text_file(file);
  }

  json results = {{"wasmlet_bench", 1},          {"title", plan.title},
                  {"started_at", now_iso8601()}, {"config", plan.source},
                  {"targets", json::array()},    {"cells", json::array()}};
  for (const auto& t : plan.targets) {
    std::string endpoint = endpoint_of(t, server).describe;
    if (plan.spawn && t.kind != TargetKind::Http)
      endpoint = "wasmlet serve started by wasmlet bench: " + endpoint_of(t, {}).targets.front();
    results["targets"].push_back(
        {{"name", t.name}, {"kind", kind_name(t.kind)}, {"endpoint", endpoint}});
  }

  InterruptGuard guard;
  bool tty = isatty(STDERR_FILENO) != 0;
  fs::path out_dir = o.out_dir;
  size_t n = cells.cells.size();
  std::cerr << fmt::format("wasmlet bench: {} cells, at most {:.0f} s; results in {}\n", n,
                           estimated_seconds(plan, cells), out_dir.string());
  std::unique_ptr<SpawnedServer> spawned;
  int spawned_for = -1;
  for (size_t i = 0; i < n && !g_interrupted.load(); ++i) {
    const BenchCell& cell = cells.cells[i];
    const BenchTarget& target = plan.targets[cell.target];
    ServerConnection cell_connection = connection;
    if (cell.server >= 0) {
      if (cell.server != spawned_for) {
        spawned.reset();
        spawned = spawn_server(plan, cells.servers[cell.server], modules, o.timeout_seconds);
        spawned_for = cell.server;
      }
      cell_connection = {spawned->address(), o.timeout_seconds, "", ""};
    }
    std::string label =
        fmt::format("cell {}/{} {} {}", i + 1, n, target.name, params_text(cell.params));
    double total = cell.start == Start::Cold ? plan.duration_s : plan.warmup_s + plan.duration_s;
    auto bar = [&](double elapsed, uint64_t done) {
      if (!tty) return;
      int width = 30;
      int filled = static_cast<int>(std::min(1.0, elapsed / total) * width);
      std::cerr << fmt::format("\r\033[K{} [{}{}] {:.1f}/{:.1f} s, {} done", label,
                               std::string(filled, '#'), std::string(width - filled, '.'), elapsed,
                               total, done)
                << std::flush;
    };
    Measured m = run_cell(plan, cell, cell_connection, modules[cell.target], bar);
    json steps = json::array();
    if (!g_interrupted.load() &&
        (target.kind == TargetKind::Workflow || target.kind == TargetKind::Composition)) {
      HttpClient client = connect_server(cell_connection);
      std::string input = input_for(target, cell.input_bytes);
      steps = target.kind == TargetKind::Workflow ? workflow_steps(client, target, input)
                                                  : composition_steps(client, target, input);
    }
    json c = cell_json(plan, cell, m, std::move(steps));
    if (tty) std::cerr << "\r\033[K";
    std::cerr << fmt::format(
        "{}: {} requests, {} errors, {:.1f} rps, p50 {:.0f} us, p99 {:.0f} us{}\n", label,
        m.requests, m.errors, c["throughput_rps"].get<double>(),
        c["latency_us"]["p50"].get<double>(), c["latency_us"]["p99"].get<double>(),
        m.first_error.empty() ? "" : " (first error: " + m.first_error + ")");
    results["cells"].push_back(std::move(c));
    write_outputs(out_dir, results);  // after every cell: an interrupted run keeps its data
  }
  spawned.reset();
  if (g_interrupted.load()) {
    results["interrupted"] = true;
    write_outputs(out_dir, results);
    std::cerr << fmt::format("wasmlet bench: interrupted; {} of {} cells written to {}\n",
                             results["cells"].size(), n, out_dir.string());
    return 130;
  }
  std::cerr << fmt::format("wasmlet bench: wrote {}\n", (out_dir / "report.html").string());
  return 0;
}

}  // namespace

void add_bench_command(CLI::App& app, BenchOptions& o) {
  auto* sub = app.add_subcommand(
      "bench", "Run a benchmark plan (a matrix of load) and write an HTML report with its data");
  sub->add_option("plan", o.plan, "The plan (JSON, see docs/bench-tool.md)")->required();
  sub->add_option("-o,--out", o.out_dir, "Directory for results.json, results.csv, report.html")
      ->capture_default_str();
  sub->add_option("--server", o.server, "Server address HOST:PORT")
      ->envname("WASMLET_SERVER")
      ->capture_default_str();
  sub->add_option("--key", o.key, "API key (else $WASMLET_KEY, else the config file's)");
  sub->add_option("--timeout", o.timeout_seconds,
                  "Give up on a set-up request (not a measured one) after this many seconds")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  sub->add_option("--max-seconds", o.max_seconds,
                  "Refuse a plan that could take longer than this (below its max_total_s)")
      ->check(CLI::PositiveNumber);
}

int run_bench_command(CLI::App& app, const BenchOptions& o, bool& handled) {
  handled = app.get_subcommand("bench")->parsed();
  if (!handled) return 0;
  try {
    return run(o);
  } catch (const std::exception& e) {
    std::cerr << "\nwasmlet: error: " << e.what() << "\n";
    return 1;
  }
}

}  // namespace wasmlet::cli
