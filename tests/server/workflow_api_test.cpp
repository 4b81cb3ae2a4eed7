// Workflows over HTTP on real sockets: upload with validation, invoke sync and async, the run's
// history, failures naming their state, name clashes with functions, deletion, and definitions
// that survive a restart.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "http_test_client.h"
#include "runtime/runtime.h"
#include "server/http_server.h"
#include "test_support.h"
#include "util/files.h"
#include "workflow/workflow_registry.h"

namespace wasmlet {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using test::http_request;
using test::HttpClient;
using test::HttpResponse;
using namespace std::chrono_literals;
namespace verb = boost::beast::http;

// Two Tasks in sequence: the output of the first is the input of the second.
constexpr const char* kTwoSteps = R"({
  "Comment": "echo twice",
  "StartAt": "First",
  "States": {
    "First": {"Type": "Task", "Resource": "echo", "Next": "Second"},
    "Second": {"Type": "Task", "Resource": "echo", "End": true}
  }
})";

class WorkflowApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    start();
    upload_function("echo");
    upload_function("trap");
  }
  void TearDown() override { stop(); }

  void start() {
    runtime::RuntimeConfig rc;
    rc.data_dir = dir_.path();
    rc.executor_threads = 2;
    rc.limits.timeout = 10s;
    runtime_ = std::make_unique<runtime::Runtime>(rc);
    workflows_ = std::make_unique<workflow::WorkflowRegistry>(*runtime_, dir_.path() / "workflows");
    server::ServerConfig sc;
    sc.port = 0;
    sc.io_threads = 1;
    server_ = std::make_unique<server::HttpServer>(*runtime_, sc, workflows_.get());
  }

  // In the order `wasmlet serve` stops: no more requests, the runtime's calls finished, then
  // the registry (its timers) and the runtime.
  void stop() {
    if (server_) server_->stop();
    if (runtime_) runtime_->shutdown();
    server_.reset();
    workflows_.reset();
    runtime_.reset();
  }

  uint16_t port() const { return server_->port(); }

  void upload_function(const std::string& name) {
    auto bytes = test::guest_bytes(name);
    auto r = http_request(port(), verb::verb::put, "/f/demo/" + name,
                          std::string(bytes.begin(), bytes.end()));
    ASSERT_EQ(r.result_int(), 200) << r.body();
  }

  HttpResponse put_workflow(const std::string& name, const std::string& definition) {
    return http_request(port(), verb::verb::put, "/v1/workflows/demo/" + name, definition);
  }

  json wait_for_call(HttpClient& client, uint64_t id) {
    auto deadline = std::chrono::steady_clock::now() + 30s;
    while (std::chrono::steady_clock::now() < deadline) {
      auto r = client.get("/v1/calls/" + std::to_string(id));
      EXPECT_EQ(r.result_int(), 200) << r.body();
      json j = json::parse(r.body());
      if (j["status"] == "succeeded" || j["status"] == "failed") return j;
      std::this_thread::sleep_for(5ms);
    }
    ADD_FAILURE() << "call " << id << " did not finish";
    return {};
  }

  util::TempDir dir_{fs::temp_directory_path(), "wasmlet-workflow-api-test"};
  std::unique_ptr<runtime::Runtime> runtime_;
  std::unique_ptr<workflow::WorkflowRegistry> workflows_;
  std::unique_ptr<server::HttpServer> server_;
};

TEST_F(WorkflowApiTest, UploadInvokeSyncAndAsyncWithHistory) {
  auto up = put_workflow("twice", kTwoSteps);
  ASSERT_EQ(up.result_int(), 200) << up.body();
  json info = json::parse(up.body());
  EXPECT_EQ(info["functions"], json::array({"echo"}));

  HttpClient c(port());
  auto r = c.post("/v1/workflows/demo/twice:invoke", R"({"n": 1})");
  ASSERT_EQ(r.result_int(), 200) << r.body();
  EXPECT_EQ(r.body(), R"({"n": 1})");  // bytes handed on untouched
  EXPECT_FALSE(r["X-Wasmlet-Call-Id"].empty());

  auto async = c.post("/v1/workflows/demo/twice:invoke?async=1", R"({"n": 2})");
  ASSERT_EQ(async.result_int(), 202) << async.body();
  json done = wait_for_call(c, json::parse(async.body())["id"].get<uint64_t>());
  EXPECT_EQ(done["status"], "succeeded");
  EXPECT_EQ(done["output"], R"({"n": 2})");
  EXPECT_EQ(done["function"], "demo/twice");
  ASSERT_TRUE(done["history"].is_array()) << done.dump();
  std::vector<std::string> states;
  for (const auto& e : done["history"]) {
    states.push_back(e["state"]);
    EXPECT_EQ(e["type"], "Task");
    EXPECT_LE(e["start_ns"].get<int64_t>(), e["end_ns"].get<int64_t>());
  }
  EXPECT_EQ(states, (std::vector<std::string>{"First", "Second"}));

  auto get = c.get("/v1/workflows/demo/twice");
  EXPECT_EQ(get.result_int(), 200);
  EXPECT_EQ(get.body(), kTwoSteps);
  auto list = json::parse(c.get("/v1/workflows").body());
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0]["name"], "twice");
}

TEST_F(WorkflowApiTest, InvalidDefinitionsAreRefusedNamingTheStateAndStoreNothing) {
  auto unknown_fn = put_workflow("bad", R"({"StartAt": "A", "States": {
      "A": {"Type": "Task", "Resource": "nope", "End": true}}})");
  ASSERT_EQ(unknown_fn.result_int(), 400) << unknown_fn.body();
  json j = json::parse(unknown_fn.body());
  EXPECT_EQ(j["error"], "invalid_definition");
  EXPECT_EQ(j["state"], "A");
  EXPECT_NE(j["message"].get<std::string>().find("nope"), std::string::npos) << j.dump();

  auto no_next = put_workflow("bad", R"({"StartAt": "A", "States": {
      "A": {"Type": "Pass"}}})");
  EXPECT_EQ(no_next.result_int(), 400) << no_next.body();
  EXPECT_EQ(json::parse(no_next.body())["state"], "A");
  EXPECT_EQ(put_workflow("bad", "not json").result_int(), 400);
  EXPECT_EQ(put_workflow("bad", std::string(2 << 20, ' ')).result_int(), 400);

  HttpClient c(port());
  EXPECT_EQ(c.get("/v1/workflows/demo/bad").result_int(), 404);
  EXPECT_EQ(json::parse(c.get("/v1/workflows").body()).size(), 0u);
  EXPECT_FALSE(fs::exists(dir_.path() / "workflows" / "demo" / "bad.json"));
}

TEST_F(WorkflowApiTest, AFailedRunNamesItsStateAndError) {
  ASSERT_EQ(put_workflow("breaks", R"({"StartAt": "Fine", "States": {
      "Fine": {"Type": "Task", "Resource": "echo", "Next": "Boom"},
      "Boom": {"Type": "Task", "Resource": "trap", "End": true}}})")
                .result_int(),
            200);
  HttpClient c(port());
  auto r = c.post("/v1/workflows/demo/breaks:invoke", "{}");
  ASSERT_EQ(r.result_int(), 500) << r.body();
  json j = json::parse(r.body());
  EXPECT_EQ(j["error"], "call_failed");
  EXPECT_EQ(j["error_kind"], "States.TaskFailed");
  EXPECT_NE(j["message"].get<std::string>().find("Boom"), std::string::npos) << j.dump();
}

// A function chains a workflow by name and awaits it like any function: its output, or a
// non-zero code when the run failed.
TEST_F(WorkflowApiTest, AFunctionChainsAWorkflowByNameAndAwaitsIt) {
  upload_function("chain_input");
  ASSERT_EQ(put_workflow("twice", kTwoSteps).result_int(), 200);
  ASSERT_EQ(put_workflow("breaks", R"({"StartAt": "Boom", "States": {
      "Boom": {"Type": "Task", "Resource": "trap", "End": true}}})")
                .result_int(),
            200);
  HttpClient c(port());
  auto ok = c.post("/v1/functions/demo/chain_input:invoke", "twice:handed over");
  ASSERT_EQ(ok.result_int(), 200) << ok.body();
  EXPECT_EQ(ok.body(), "rc=0;out=handed over");
  auto failed = c.post("/v1/functions/demo/chain_input:invoke", "breaks:x");
  ASSERT_EQ(failed.result_int(), 200) << failed.body();
  EXPECT_NE(failed.body().rfind("rc=0;", 0), 0u) << failed.body();
}

// The server's limit (10 s here) and the definition's TimeoutSeconds: the smaller one ends it.
TEST_F(WorkflowApiTest, TheDefinitionsTimeoutSecondsBoundsARunWithinTheServersLimit) {
  ASSERT_EQ(put_workflow("sleepy", R"({"TimeoutSeconds": 1, "StartAt": "Nap", "States": {
      "Nap": {"Type": "Wait", "Seconds": 30, "Next": "Done"},
      "Done": {"Type": "Succeed"}}})")
                .result_int(),
            200);
  HttpClient c(port());
  auto r = c.post("/v1/workflows/demo/sleepy:invoke", "{}");
  ASSERT_EQ(r.result_int(), 500) << r.body();
  json j = json::parse(r.body());
  EXPECT_EQ(j["error_kind"], "States.Timeout") << j.dump();
  EXPECT_NE(j["message"].get<std::string>().find("Nap"), std::string::npos) << j.dump();
}

TEST_F(WorkflowApiTest, FunctionAndWorkflowNamesDoNotClash) {
  EXPECT_EQ(put_workflow("echo", kTwoSteps).result_int(), 409);
  ASSERT_EQ(put_workflow("twice", kTwoSteps).result_int(), 200);
  auto bytes = test::guest_bytes("echo");
  auto over = http_request(port(), verb::verb::put, "/f/demo/twice",
                           std::string(bytes.begin(), bytes.end()));
  EXPECT_EQ(over.result_int(), 400) << over.body();
  // A workflow is not run through the function routes' names of other kinds.
  HttpClient c(port());
  EXPECT_EQ(c.post("/v1/workflows/demo/echo:invoke", "x").result_int(), 404);
}

TEST_F(WorkflowApiTest, DeletedWorkflowsAreGoneAndKeptOnesSurviveARestart) {
  ASSERT_EQ(put_workflow("twice", kTwoSteps).result_int(), 200);
  ASSERT_EQ(put_workflow("gone", kTwoSteps).result_int(), 200);
  {
    HttpClient c(port());
    EXPECT_EQ(c.request(verb::verb::delete_, "/v1/workflows/demo/gone").result_int(), 204);
    EXPECT_EQ(c.request(verb::verb::delete_, "/v1/workflows/demo/gone").result_int(), 404);
    EXPECT_EQ(c.post("/v1/workflows/demo/gone:invoke", "x").result_int(), 404);
  }
  stop();
  start();
  HttpClient c(port());
  auto r = c.post("/v1/workflows/demo/twice:invoke", "again");
  EXPECT_EQ(r.result_int(), 200) << r.body();
  EXPECT_EQ(r.body(), "again");
  EXPECT_EQ(c.get("/v1/workflows/demo/gone").result_int(), 404);
}

}  // namespace
}  // namespace wasmlet
