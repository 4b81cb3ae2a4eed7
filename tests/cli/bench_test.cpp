// `wasmlet bench`: its plan parser, statistics and report writer as units, and the command end
// to end against a real server (in this process) running real guests.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cli/bench_plan.h"
#include "cli/bench_report.h"
#include "cli/bench_stats.h"
#include "runtime/runtime.h"
#include "server/http_server.h"
#include "test_support.h"
#include "util/files.h"
#include "util/http_client.h"
#include "util/subprocess.h"
#include "web/web_assets.h"
#include "workflow/workflow_registry.h"

namespace wasmlet {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using namespace std::chrono_literals;

const char* kOneFunction = R"({"targets": [{"name": "w", "function": "demo/echo"}]})";

std::string plan_error(const std::string& text) {
  try {
    cli::parse_bench_plan(text);
  } catch (const cli::PlanError& e) {
    return e.what();
  }
  return "(accepted)";
}

TEST(BenchPlan, ParsesAPlan) {
  auto plan = cli::parse_bench_plan(R"({
    "title": "t", "duration_s": 2, "warmup_s": 0.5, "max_total_s": 300, "client_threads": 2,
    "targets": [
      {"name": "f", "function": "demo/echo", "file": "echo.wasm"},
      {"name": "wf", "workflow": "demo/flow"},
      {"name": "app", "app": "demo/site", "path": "/hello", "method": "GET"},
      {"name": "gunicorn", "url": "http://127.0.0.1:8000/x?y=1", "method": "POST"},
      {"name": "client", "steps": ["demo/a", "demo/b"]}],
    "matrix": {"concurrency": [1, 10], "input_bytes": [64, 4096], "trigger": ["sync", "async"],
               "start": ["warm", "cold"]}})");
  EXPECT_EQ(plan.title, "t");
  EXPECT_EQ(plan.duration_s, 2);
  EXPECT_EQ(plan.client_threads, 2);
  ASSERT_EQ(plan.targets.size(), 5u);
  EXPECT_EQ(plan.targets[0].kind, cli::TargetKind::Function);
  EXPECT_EQ(plan.targets[0].file, "echo.wasm");
  EXPECT_EQ(plan.targets[2].path, "/hello");
  EXPECT_FALSE(plan.targets[2].sends_body());
  EXPECT_EQ(plan.targets[4].steps, (std::vector<std::string>{"demo/a", "demo/b"}));
  EXPECT_EQ(plan.matrix.concurrency, (std::vector<int>{1, 10}));
  EXPECT_EQ(plan.source["title"], "t");
  auto url = cli::parse_http_url(plan.targets[3].url, "url");
  EXPECT_EQ(url.host, "127.0.0.1");
  EXPECT_EQ(url.port, 8000);
  EXPECT_EQ(url.target, "/x?y=1");
}

TEST(BenchPlan, RefusesBadPlansNamingTheField) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"not json", "not valid JSON"},
      {"[]", "plan: expected a JSON object"},
      {"{}", "targets: missing"},
      {R"({"targets": []})", "targets: expected an array of 1 to"},
      {R"({"targets": [{"function": "demo/echo"}]})", "targets[0].name: missing"},
      {R"({"targets": [{"name": "a"}]})", "targets[0]: give exactly one of"},
      {R"({"targets": [{"name": "a", "function": "echo"}]})",
       "targets[0].function: expected USER/NAME"},
      {R"({"targets": [{"name": "a", "function": "d/e", "workflow": "d/w"}]})", "give exactly one"},
      {R"({"targets": [{"name": "a", "function": "d/e"}, {"name": "a", "function": "d/f"}]})",
       "targets[1].name: 'a' names two targets"},
      {R"({"targets": [{"name": "a", "url": "https://x/"}]})", "targets[0].url: https://"},
      {R"({"targets": [{"name": "a", "url": "http://x:99999/"}]})", "bad port"},
      {R"({"targets": [{"name": "a", "url": "ftp://x/"}]})", "expected http://"},
      {R"({"targets": [{"name": "a", "function": "d/e", "method": "GET"}]})",
       "targets[0].method: only app and url targets"},
      {R"({"targets": [{"name": "a", "app": "d/e", "method": "BREW"}]})",
       "targets[0].method: expected one of"},
      {R"({"targets": [{"name": "a", "app": "d/e", "path": "x"}]})", "must start with '/'"},
      {R"({"targets": [{"name": "a", "app": "d/e", "path": "/x HTTP/1.1\r\nX-Evil: 1"}]})",
       "targets[0].path: no spaces or control characters (byte 0x20)"},
      {R"({"targets": [{"name": "a", "url": "http://h/a\nb"}]})",
       "targets[0].url: no spaces or control characters (byte 0x0a)"},
      {R"({"targets": [{"name": "a", "steps": ["d/e"]}]})", "targets[0].steps: expected an array"},
      {R"({"targets": [{"name": "a", "steps": ["d/e", 3]}]})", "targets[0].steps[1]"},
      {R"({"targets": [{"name": "a", "function": "d/e", "colour": 1}]})",
       "targets[0].colour: unknown field"},
      {R"({"targets": [{"name": "a", "function": "d/e"}], "bogus": 1})", "bogus: unknown field"},
      {R"({"targets": [{"name": "a", "function": "d/e"}], "duration_s": 0})",
       "duration_s: must be > 0"},
      {R"({"targets": [{"name": "a", "function": "d/e"}], "duration_s": "5"})",
       "duration_s: expected a number"},
      {R"({"targets": [{"name": "a", "function": "d/e"}], "warmup_s": -1})", "warmup_s: must be"},
      {R"({"targets": [{"name": "a", "function": "d/e"}], "max_total_s": 7200})",
       "max_total_s: must be"},
      {R"({"targets": [{"name": "a", "function": "d/e"}], "client_threads": 100})",
       "client_threads: must be from 1 to 16"},
      {R"({"targets": [{"name": "a", "function": "d/e"}], "matrix": []})",
       "matrix: expected an object"},
      {R"({"targets": [{"name": "a", "function": "d/e"}], "matrix": {"concurrency": []}})",
       "matrix.concurrency: must list at least one value"},
      {R"({"targets": [{"name": "a", "function": "d/e"}], "matrix": {"concurrency": [0]}})",
       "matrix.concurrency: must be from 1 to 1024"},
      {R"({"targets": [{"name": "a", "function": "d/e"}], "matrix": {"concurrency": [1.5]}})",
       "matrix.concurrency: expected an integer"},
      {R"({"targets": [{"name": "a", "function": "d/e"}], "matrix": {"concurrency": [2, 2]}})",
       "listed twice"},
      {R"({"targets": [{"name": "a", "function": "d/e"}], "matrix": {"input_bytes": [-1]}})",
       "matrix.input_bytes: must be from 0"},
      {R"({"targets": [{"name": "a", "function": "d/e"}], "matrix": {"trigger": ["later"]}})",
       "matrix.trigger: expected one of sync, async"},
      {R"({"targets": [{"name": "a", "function": "d/e"}], "matrix": {"memory_limit": ["1GiB"]}})",
       "matrix.memory_limit: a server setting"},
      {R"({"targets": [{"name": "a", "function": "d/e"}], "matrix": {"speed": [1]}})",
       "matrix.speed: unknown field"},
      {R"({"targets": [{"name": "a", "function": "d/e"}], "matrix": {"start": ["cold"]}})",
       "targets[0].file: a cold start re-uploads the module"},
      {R"({"targets": [{"name": "a", "workflow": "d/w"}], "spawn": {"executor_threads": [1]}})",
       "targets[0]: with spawn, a target is a function with its file"},
      {R"({"targets": [{"name": "a", "function": "d/e"}], "spawn": {}})", "targets[0]: with spawn"},
      {R"({"targets": [{"name": "a", "url": "http://h/"}], "spawn": {"memory_limit": ["lots"]}})",
       "spawn.memory_limit: "},
      {R"({"targets": [{"name": "a", "url": "http://h/"}], "spawn": {"timeout": ["0s"]}})",
       "spawn.timeout: "},
      {R"({"targets": [{"name": "a", "url": "http://h/"}], "spawn": {"executor_threads": [0]}})",
       "spawn.executor_threads: must be from 1 to 256"},
      {R"({"targets": [{"name": "a", "url": "http://h/"}], "spawn": {"colour": [1]}})",
       "spawn.colour: unknown field"},
      {R"({"targets": [{"name": "a", "url": "http://h/"}], "spawn": []})",
       "spawn: expected an object"},
  };
  for (const auto& [text, expected] : cases) {
    EXPECT_NE(plan_error(text).find(expected), std::string::npos)
        << text << "\n  gave: " << plan_error(text) << "\n  expected: " << expected;
  }
  EXPECT_EQ(plan_error(kOneFunction), "(accepted)");
}

TEST(BenchPlan, CellsSkipWhatDoesNotApplyWithANote) {
  auto plan = cli::parse_bench_plan(R"({
    "targets": [{"name": "f", "function": "demo/echo", "file": "echo.wasm"},
                {"name": "get", "url": "http://127.0.0.1:1/", "method": "GET"}],
    "matrix": {"concurrency": [1, 4], "input_bytes": [8, 64], "trigger": ["sync", "async"],
               "start": ["warm", "cold"]}})");
  auto cells = cli::expand_cells(plan);
  // f: warm 2 triggers x 2 concurrencies x 2 sizes = 8, cold sync x concurrency 1 x 2 sizes = 2;
  // get: 2 concurrencies, no input, trigger or start axes.
  ASSERT_EQ(cells.cells.size(), 12u);
  const auto& last = cells.cells.back();
  EXPECT_EQ(last.target, 1u);
  EXPECT_EQ(last.params, json({{"concurrency", 4}}));
  EXPECT_EQ(cells.cells.front().params,
            json({{"concurrency", 1}, {"input_bytes", 8}, {"trigger", "sync"}, {"start", "warm"}}));
  size_t cold = 0;
  for (const auto& c : cells.cells) cold += c.start == cli::Start::Cold;
  EXPECT_EQ(cold, 2u);
  auto noted = [&](std::string_view text) {
    for (const auto& n : cells.notes)
      if (n.find(text) != std::string::npos) return true;
    return false;
  };
  EXPECT_TRUE(noted("get: input_bytes skipped"));
  EXPECT_TRUE(noted("get: trigger skipped"));
  EXPECT_TRUE(noted("get: start skipped"));
  EXPECT_TRUE(noted("f: cold x async skipped"));
  EXPECT_TRUE(noted("f: cold x concurrency > 1 skipped"));
}

TEST(BenchPlan, SpawnedServersMultiplyTheServerCellsOnly) {
  auto plan = cli::parse_bench_plan(R"({
    "duration_s": 2, "warmup_s": 1,
    "targets": [{"name": "f", "function": "demo/echo", "file": "echo.wasm"},
                {"name": "other", "url": "http://127.0.0.1:1/"}],
    "spawn": {"executor_threads": [1, 2], "timeout": ["5s"]},
    "matrix": {"concurrency": [1, 4]}})");
  auto cells = cli::expand_cells(plan);
  ASSERT_EQ(cells.servers.size(), 2u);
  EXPECT_EQ(cells.servers[1].executor_threads, 2);
  EXPECT_EQ(cells.servers[1].timeout, "5s");
  EXPECT_EQ(cells.servers[1].params, json({{"executor_threads", 2}, {"timeout", "5s"}}));
  // The url target once (2 cells), the function on each server (2 x 2).
  ASSERT_EQ(cells.cells.size(), 6u);
  EXPECT_EQ(cells.cells[0].server, -1);
  EXPECT_EQ(cells.cells[0].params, json({{"concurrency", 1}, {"input_bytes", 64}}));
  EXPECT_EQ(cells.cells[5].server, 1);
  EXPECT_EQ(cells.cells[5].params["executor_threads"], 2);
  EXPECT_EQ(cells.cells[5].params["timeout"], "5s");
  EXPECT_EQ(cells.cells[5].params["concurrency"], 4);
  EXPECT_EQ(cli::estimated_seconds(plan, cells), 6 * 4 + 2 * cli::kSpawnSeconds);
}

TEST(BenchPlan, BoundsAreCheckedBeforeRunning) {
  auto plan = cli::parse_bench_plan(
      R"({"targets": [{"name": "a", "function": "d/e"}], "duration_s": 10, "warmup_s": 1,
          "max_total_s": 100, "matrix": {"concurrency": [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]}})");
  auto cells = cli::expand_cells(plan);
  EXPECT_EQ(cli::estimated_seconds(plan, cells), 120);
  try {
    cli::check_bounds(plan, cells, 0);
    ADD_FAILURE() << "a plan past max_total_s was accepted";
  } catch (const cli::PlanError& e) {
    EXPECT_NE(std::string(e.what()).find("more than max_total_s allows (100 s)"), std::string::npos)
        << e.what();
  }
  plan.max_total_s = 200;
  EXPECT_NO_THROW(cli::check_bounds(plan, cells, 0));
  EXPECT_THROW(cli::check_bounds(plan, cells, 60), cli::PlanError);

  json many = {{"targets", json::array()},
               {"matrix", {{"concurrency", json::array()}, {"input_bytes", json::array()}}},
               {"duration_s", 0.01},
               {"warmup_s", 0}};
  for (int i = 0; i < 3; ++i)
    many["targets"].push_back({{"name", "t" + std::to_string(i)}, {"function", "d/e"}});
  for (int i = 1; i <= 10; ++i) many["matrix"]["concurrency"].push_back(i);
  for (int i = 1; i <= 10; ++i) many["matrix"]["input_bytes"].push_back(i);
  auto big = cli::parse_bench_plan(many.dump());
  auto big_cells = cli::expand_cells(big);
  EXPECT_EQ(big_cells.cells.size(), 300u);
  EXPECT_THROW(cli::check_bounds(big, big_cells, 0), cli::PlanError);
}

TEST(BenchStats, PercentilesAndCdfOfKnownData) {
  std::vector<double> v;
  for (int i = 1; i <= 1000; ++i) v.push_back(i);
  auto s = cli::summarize(v);
  EXPECT_EQ(s.p50, 500);
  EXPECT_EQ(s.p90, 900);
  EXPECT_EQ(s.p99, 990);
  EXPECT_EQ(s.max, 1000);
  EXPECT_DOUBLE_EQ(s.mean, 500.5);
  auto cdf = cli::cdf_points(v);
  ASSERT_EQ(cdf.size(), 200u);
  EXPECT_EQ(cdf.front(), std::make_pair(5.0, 0.005));
  EXPECT_EQ(cdf.back(), std::make_pair(1000.0, 1.0));
  for (size_t i = 1; i < cdf.size(); ++i) EXPECT_LT(cdf[i - 1].second, cdf[i].second);

  std::vector<double> three = {10, 20, 30};
  EXPECT_EQ(cli::summarize(three).p50, 20);
  EXPECT_EQ(cli::summarize(three).p99, 30);
  EXPECT_EQ(cli::cdf_points(three).size(), 3u);
  EXPECT_EQ(cli::summarize({}).max, 0);
  EXPECT_TRUE(cli::cdf_points({}).empty());
}

json sample_results() {
  return {{"wasmlet_bench", 1},
          {"title", "a </script><!-- title"},
          {"started_at", "2026-01-01T00:00:00Z"},
          {"config", json::object()},
          {"targets", {{{"name", "w,1"}, {"kind", "function"}, {"endpoint", "http://x/"}}}},
          {"cells",
           {{{"target", "w,1"},
             {"params", {{"concurrency", 2}, {"trigger", "sync"}}},
             {"requests", 10},
             {"errors", 1},
             {"duration_s", 0.5},
             {"throughput_rps", 20.0},
             {"latency_us", {{"p50", 1}, {"p90", 2}, {"p99", 3}, {"max", 4}, {"mean", 2.5}}},
             {"cdf", {{1, 0.5}, {4, 1.0}}},
             {"steps", json::array()}}}}};
}

TEST(BenchReport, TheTemplateGetsTheDataWithEveryLessThanEscaped) {
  json results = sample_results();
  std::string html = cli::render_report(
      "<html><script type=\"application/json\" id=\"bench-data\">__WASMLET_BENCH_DATA__</script>"
      "</html>",
      results);
  std::string open = "id=\"bench-data\">";
  size_t from = html.find(open) + open.size();
  size_t to = html.find("</script>", from);
  std::string data = html.substr(from, to - from);
  EXPECT_EQ(data.find('<'), std::string::npos);
  EXPECT_NE(data.find("\\u003c/script>"), std::string::npos);
  EXPECT_EQ(json::parse(data), results);
  EXPECT_TRUE(html.ends_with("</script></html>"));

  EXPECT_THROW(cli::render_report("<html></html>", results), Error);
  // The real page, as the command writes it.
  const web::Asset* page = web::find_asset("report/report.html");
  ASSERT_NE(page, nullptr);
  std::string real = cli::render_report(page->body, results);
  EXPECT_EQ(real.find(cli::kBenchDataPlaceholder), std::string::npos);
  EXPECT_NE(real.find(cli::script_safe_json(results)), std::string::npos);
}

TEST(BenchReport, CsvHasOneRowPerCell) {
  std::string csv = cli::results_csv(sample_results());
  EXPECT_EQ(csv,
            "target,kind,concurrency,trigger,requests,errors,duration_s,throughput_rps,p50_us,"
            "p90_us,p99_us,max_us,mean_us\n"
            "\"w,1\",function,2,sync,10,1,0.5,20.0,1,2,3,4,2.5\n");
}

// A server in this process, with echo and a two-step workflow over wf_echo.
class BenchCommand : public ::testing::Test {
 protected:
  void SetUp() override {
    runtime::RuntimeConfig rc;
    rc.data_dir = dir_ / "data";
    rc.executor_threads = 2;
    rc.limits.timeout = 20s;
    runtime_ = std::make_unique<runtime::Runtime>(rc);
    workflows_ =
        std::make_unique<workflow::WorkflowRegistry>(*runtime_, dir_ / "data" / "workflows");
    server::ServerConfig sc;
    sc.port = 0;
    server_ = std::make_unique<server::HttpServer>(*runtime_, sc, workflows_.get());
    util::HttpClient client("127.0.0.1", server_->port());
    for (const char* fn : {"echo", "wf_echo"}) {
      auto bytes = test::guest_bytes(fn);
      auto r = client.request("PUT", std::string("/v1/functions/demo/") + fn,
                              std::string(bytes.begin(), bytes.end()));
      ASSERT_EQ(r.status, 200) << r.body;
    }
    auto r = client.request("PUT", "/v1/workflows/demo/flow", R"({"StartAt": "A", "States": {
        "A": {"Type": "Task", "Resource": "wf_echo", "Next": "B"},
        "B": {"Type": "Task", "Resource": "wf_echo", "End": true}}})");
    ASSERT_EQ(r.status, 200) << r.body;
  }

  util::ProcessResult bench(const json& plan, const std::vector<std::string>& extra = {}) {
    util::write_file_atomic(dir_ / "plan.json", plan.dump());
    std::vector<std::string> argv = {WASMLET_EXE_PATH, "bench", (dir_ / "plan.json").string(), "-o",
                                     out_.string()};
    if (extra.empty()) {
      argv.insert(argv.end(), {"--server", fmt_address(server_->port())});
    }
    argv.insert(argv.end(), extra.begin(), extra.end());
    util::ProcessLimits limits;
    limits.deadline = util::ProcessLimits::Clock::now() + 120s;
    return util::run_process(argv, limits);
  }

  static std::string fmt_address(uint16_t port) { return "127.0.0.1:" + std::to_string(port); }

  fs::path dir_ = test::fresh_test_dir("bench-command");
  fs::path out_ = dir_ / "out";
  std::unique_ptr<runtime::Runtime> runtime_;
  std::unique_ptr<workflow::WorkflowRegistry> workflows_;
  std::unique_ptr<server::HttpServer> server_;
};

TEST_F(BenchCommand, ASmallRunWritesTheReportAndItsData) {
  json plan = {{"title", "small"},
               {"duration_s", 0.3},
               {"warmup_s", 0.1},
               {"targets", {{{"name", "echo"}, {"function", "demo/echo"}}}},
               {"matrix", {{"concurrency", {1, 2}}, {"input_bytes", {16}}}}};
  auto r = bench(plan);
  ASSERT_EQ(r.exit_code, 0) << r.output;

  json results = json::parse(util::read_text_file(out_ / "results.json"));
  EXPECT_EQ(results["wasmlet_bench"], 1);
  EXPECT_EQ(results["title"], "small");
  EXPECT_EQ(results["config"], plan);
  EXPECT_EQ(results["targets"][0]["kind"], "function");
  ASSERT_EQ(results["cells"].size(), 2u);
  for (const auto& cell : results["cells"]) {
    EXPECT_GT(cell["requests"].get<uint64_t>(), 0u) << cell.dump();
    EXPECT_EQ(cell["errors"], 0) << cell.dump();
    EXPECT_GT(cell["latency_us"]["p50"].get<double>(), 0);
    EXPECT_LE(cell["latency_us"]["p50"].get<double>(), cell["latency_us"]["max"].get<double>());
    EXPECT_FALSE(cell["cdf"].empty());
    EXPECT_EQ(cell["cdf"].back()[1], 1.0);
  }
  EXPECT_EQ(results["cells"][1]["params"]["concurrency"], 2);

  std::string csv = util::read_text_file(out_ / "results.csv");
  EXPECT_EQ(csv, cli::results_csv(results));
  EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), 3);

  std::string html = util::read_text_file(out_ / "report.html");
  EXPECT_NE(html.find(cli::script_safe_json(results)), std::string::npos);
  EXPECT_EQ(html.find(cli::kBenchDataPlaceholder), std::string::npos);
}

TEST_F(BenchCommand, AsyncColdWorkflowCompositionAndPlainHttpCells) {
  fs::copy_file(test::guest_path("echo"), dir_ / "echo.wasm");
  json plan = {{"duration_s", 0.3},
               {"warmup_s", 0},
               {"targets",
                {{{"name", "fn"}, {"function", "demo/echo"}, {"file", "echo.wasm"}},
                 {{"name", "flow"}, {"workflow", "demo/flow"}},
                 {{"name", "client"}, {"steps", {"demo/wf_echo", "demo/wf_echo"}}},
                 {{"name", "health"},
                  {"url", "http://127.0.0.1:" + std::to_string(server_->port()) + "/healthz"},
                  {"method", "GET"}}}},
               {"matrix", {{"trigger", {"sync", "async"}}, {"start", {"warm", "cold"}}}}};
  auto r = bench(plan);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("cold x async skipped"), std::string::npos) << r.output;

  json results = json::parse(util::read_text_file(out_ / "results.json"));
  // fn: warm sync, warm async, cold sync; flow: sync, async; client: 1; health: 1.
  ASSERT_EQ(results["cells"].size(), 7u) << results.dump(1);
  for (const auto& cell : results["cells"]) {
    EXPECT_GT(cell["requests"].get<uint64_t>(), 0u) << cell.dump();
    EXPECT_EQ(cell["errors"], 0) << cell.dump();
  }
  EXPECT_EQ(results["cells"][2]["params"]["start"], "cold");
  json flow_steps = results["cells"][3]["steps"];
  ASSERT_EQ(flow_steps.size(), 2u) << flow_steps.dump();
  EXPECT_EQ(flow_steps[0]["name"], "A");
  EXPECT_LE(flow_steps[0]["start_us"].get<double>(), flow_steps[0]["end_us"].get<double>());
  EXPECT_EQ(results["cells"][5]["steps"].size(), 2u);
  EXPECT_EQ(results["targets"][3]["kind"], "http");
}

TEST_F(BenchCommand, SpawnsAServerPerSetting) {
  fs::copy_file(test::guest_path("echo"), dir_ / "echo.wasm");
  json plan = {{"duration_s", 0.3},
               {"warmup_s", 0.1},
               {"targets", {{{"name", "fn"}, {"function", "demo/echo"}, {"file", "echo.wasm"}}}},
               {"spawn", {{"executor_threads", {1, 2}}, {"memory_limit", {"64MiB"}}}}};
  // No server of the test's: the command starts its own.
  auto r = bench(plan, {"--server", "127.0.0.1:1"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  json results = json::parse(util::read_text_file(out_ / "results.json"));
  ASSERT_EQ(results["cells"].size(), 2u);
  for (int i = 0; i < 2; ++i) {
    const json& cell = results["cells"][i];
    EXPECT_EQ(cell["params"]["executor_threads"], i + 1);
    EXPECT_EQ(cell["params"]["memory_limit"], "64MiB");
    EXPECT_GT(cell["requests"].get<uint64_t>(), 0u) << cell.dump();
    EXPECT_EQ(cell["errors"], 0) << cell.dump();
  }
}

TEST_F(BenchCommand, AnUnreachableServerIsAClearError) {
  json plan = {{"duration_s", 0.2}, {"targets", {{{"name", "echo"}, {"function", "demo/echo"}}}}};
  auto r = bench(plan, {"--server", "127.0.0.1:1"});
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("cannot reach the server at 127.0.0.1:1"), std::string::npos) << r.output;
  EXPECT_FALSE(fs::exists(out_));

  json missing = {{"duration_s", 0.2},
                  {"targets", {{{"name", "nope"}, {"function", "demo/nothing"}}}}};
  r = bench(missing);
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("no function demo/nothing on the server"), std::string::npos) << r.output;
}

TEST_F(BenchCommand, BadOrTooLongPlansAreRefusedBeforeRunning) {
  json plan = {{"duration_s", 100},
               {"max_total_s", 150},
               {"targets", {{{"name", "echo"}, {"function", "demo/echo"}}}},
               {"matrix", {{"concurrency", {1, 2}}}}};
  // Refused on the plan alone: the server given is not even reachable.
  auto r = bench(plan, {"--server", "127.0.0.1:1"});
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("more than max_total_s allows"), std::string::npos) << r.output;
  EXPECT_FALSE(fs::exists(out_));

  plan["max_total_s"] = 1000;
  r = bench(plan, {"--server", "127.0.0.1:1", "--max-seconds", "30"});
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("more than --max-seconds allows (30 s)"), std::string::npos) << r.output;

  r = bench({{"targets", {{{"name", "x"}, {"function", "demo/echo"}}}}, {"duration_s", -1}});
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("duration_s: must be > 0"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace wasmlet
