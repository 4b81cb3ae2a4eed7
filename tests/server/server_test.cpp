// The HTTP server over real sockets: every endpoint and error path, restart persistence,
// concurrency, clients that vanish mid-request, graceful shutdown and the request log.
#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "http_test_client.h"
#include "runtime/runtime.h"
#include "server/http_server.h"
#include "test_support.h"
#include "util/base64.h"
#include "util/files.h"

namespace wasmlet {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using test::http_request;
using test::HttpClient;
using test::HttpResponse;
using namespace std::chrono_literals;
namespace verb = boost::beast::http;

std::string guest(const std::string& name) {
  auto bytes = test::guest_bytes(name);
  return {bytes.begin(), bytes.end()};
}

std::string header(const HttpResponse& r, const std::string& name) {
  auto it = r.find(name);
  return it == r.end() ? std::string() : std::string(it->value());
}

json body_json(const HttpResponse& r) { return json::parse(r.body()); }

std::string faasm_message(const std::string& user, const std::string& function,
                          const std::string& input, bool async = false) {
  return json{{"user", user},
              {"function", function},
              {"input_data", util::base64_encode(input)},
              {"async", async}}
      .dump();
}

std::string all_bytes() {
  std::string s;
  for (int i = 0; i < 256; ++i) s += static_cast<char>(i);
  return s;
}

struct Config {
  size_t executors = 2;
  size_t queue_capacity = 1024;
  std::chrono::nanoseconds timeout = 2s;
  size_t max_body = 64ull << 20;
  size_t io_threads = 1;
  bool capture_stdout = true;
};

class ServerTest : public ::testing::Test {
 protected:
  void SetUp() override { start(Config{}); }
  void TearDown() override { stop(); }

  void start(const Config& s) {
    stop();
    runtime::RuntimeConfig rc;
    rc.data_dir = dir_.path();
    rc.executor_threads = s.executors;
    rc.queue.capacity = s.queue_capacity;
    rc.limits.timeout = s.timeout;
    rc.max_inline_calls = s.io_threads;  // as `wasmlet serve` configures it
    runtime_ = std::make_unique<runtime::Runtime>(rc);
    server::ServerConfig sc;
    sc.port = 0;
    sc.max_body_bytes = s.max_body;
    sc.io_threads = s.io_threads;
    sc.capture_stdout = s.capture_stdout;
    server_ = std::make_unique<server::HttpServer>(*runtime_, sc);
  }

  void stop() {
    server_.reset();
    runtime_.reset();
  }

  uint16_t port() const { return server_->port(); }

  void upload(const std::string& name, const std::string& user = "demo") {
    auto r = http_request(port(), verb::verb::put, "/f/" + user + "/" + name, guest(name));
    ASSERT_EQ(r.result_int(), 200) << r.body();
  }

  // Calls maybe_spin until its calls run inline: that takes a streak of short calls, and on a
  // loaded machine any of them (the first, which builds an instance, most often) may not be.
  void warm_until_inline(HttpClient& client) {
    for (int i = 0; i < 200 && runtime_->metrics().inline_calls < 4; ++i) {
      ASSERT_EQ(client.post("/v1/functions/demo/maybe_spin:invoke", "hi").body(), "hi");
    }
    EXPECT_GE(runtime_->metrics().inline_calls, 4u);
  }

  // Polls /v1/calls/<id> until the call has finished.
  json wait_for_call(HttpClient& client, uint64_t id) {
    auto deadline = std::chrono::steady_clock::now() + 30s;
    while (std::chrono::steady_clock::now() < deadline) {
      auto r = client.get("/v1/calls/" + std::to_string(id));
      EXPECT_EQ(r.result_int(), 200) << r.body();
      json j = body_json(r);
      if (j["status"] == "succeeded" || j["status"] == "failed") return j;
      std::this_thread::sleep_for(5ms);
    }
    ADD_FAILURE() << "call " << id << " did not finish";
    return {};
  }

  util::TempDir dir_{fs::temp_directory_path(), "wasmlet-server-test"};
  std::unique_ptr<runtime::Runtime> runtime_;
  std::unique_ptr<server::HttpServer> server_;
};

// --- Faasm-compatible API ---

TEST_F(ServerTest, PingAndHealth) {
  HttpClient c(port());
  auto ping = c.get("/ping");
  EXPECT_EQ(ping.result_int(), 200);
  EXPECT_EQ(ping.body(), "PONG");
  auto health = c.get("/healthz");
  EXPECT_EQ(health.result_int(), 200);
  EXPECT_EQ(body_json(health)["status"], "ok");
  EXPECT_EQ(c.reconnects(), 0u);  // one keep-alive connection
}

TEST_F(ServerTest, FaasmUploadAndSyncInvoke) {
  auto up = http_request(port(), verb::verb::put, "/f/demo/echo", guest("echo"));
  EXPECT_EQ(up.result_int(), 200);
  EXPECT_EQ(up.body(), "Function upload complete");

  HttpClient c(port());
  auto r = c.post("/", faasm_message("demo", "echo", "hello faasm"));
  EXPECT_EQ(r.result_int(), 200);
  EXPECT_EQ(r.body(), "hello faasm");

  auto bin = c.post("/", faasm_message("demo", "echo", all_bytes()));
  EXPECT_EQ(bin.result_int(), 200);
  EXPECT_EQ(bin.body(), all_bytes());

  // No input_data at all is an empty input.
  auto empty = c.post("/", R"({"user":"demo","function":"echo"})");
  EXPECT_EQ(empty.result_int(), 200);
  EXPECT_EQ(empty.body(), "");
}

TEST_F(ServerTest, FaasmUploadRefusesInvalidModule) {
  auto r = http_request(port(), verb::verb::put, "/f/demo/bad", guest("invalid"));
  EXPECT_EQ(r.result_int(), 400);
  EXPECT_FALSE(r.body().empty());  // the reason, as text
  EXPECT_EQ(http_request(port(), verb::verb::get, "/v1/functions/demo/bad").result_int(), 404);

  auto imports = http_request(port(), verb::verb::put, "/f/demo/bad", guest("bad_import"));
  EXPECT_EQ(imports.result_int(), 400);
  EXPECT_FALSE(imports.body().empty());
}

TEST_F(ServerTest, FaasmAsyncInvokeAndPoll) {
  upload("echo");
  HttpClient c(port());
  auto r = c.post("/", faasm_message("demo", "echo", "later", true));
  ASSERT_EQ(r.result_int(), 200);
  auto id = std::stoull(r.body());
  EXPECT_EQ(r.body(), std::to_string(id));  // just the number

  std::string status;
  for (int i = 0; i < 3000; ++i) {
    status = c.post("/", json{{"id", id}, {"status", true}}.dump()).body();
    if (status != "RUNNING") break;
    std::this_thread::sleep_for(5ms);
  }
  EXPECT_EQ(status, "SUCCESS: later");

  // The id as a string works too.
  auto again = c.post("/", json{{"id", std::to_string(id)}, {"status", true}}.dump());
  EXPECT_EQ(again.body(), "SUCCESS: later");

  auto unknown = c.post("/", R"({"id": 987654321, "status": true})");
  EXPECT_EQ(unknown.result_int(), 404);
  EXPECT_TRUE(unknown.body().starts_with("FAILED: ")) << unknown.body();
}

TEST_F(ServerTest, FaasmFailedCalls) {
  upload("trap");
  HttpClient c(port());
  auto sync = c.post("/", faasm_message("demo", "trap", ""));
  EXPECT_EQ(sync.result_int(), 500);
  EXPECT_FALSE(sync.body().empty());

  auto async = c.post("/", faasm_message("demo", "trap", "", true));
  ASSERT_EQ(async.result_int(), 200);
  auto id = std::stoull(async.body());
  std::string status;
  for (int i = 0; i < 3000; ++i) {
    status = c.post("/", json{{"id", id}, {"status", true}}.dump()).body();
    if (status != "RUNNING") break;
    std::this_thread::sleep_for(5ms);
  }
  EXPECT_TRUE(status.starts_with("FAILED: ")) << status;
}

TEST_F(ServerTest, FaasmBadRequests) {
  upload("echo");
  HttpClient c(port());
  EXPECT_EQ(c.post("/", "{not json").result_int(), 400);
  EXPECT_EQ(c.post("/", "[1, 2]").result_int(), 400);
  EXPECT_EQ(c.post("/", R"({"user":"demo","function":"echo","input_data":"***"})").result_int(),
            400);
  EXPECT_EQ(c.post("/", R"({"user":"demo","function":"echo","async":"yes"})").result_int(), 400);
  EXPECT_EQ(c.post("/", R"({"status": true})").result_int(), 400);
  EXPECT_EQ(c.post("/", faasm_message("de mo", "echo", "")).result_int(), 400);
  EXPECT_EQ(c.post("/", faasm_message("demo", "..", "")).result_int(), 400);
  EXPECT_EQ(c.post("/", faasm_message("demo", "", "")).result_int(), 400);
  auto missing = c.post("/", faasm_message("demo", "nothing", ""));
  EXPECT_EQ(missing.result_int(), 404);
  EXPECT_FALSE(missing.body().empty());
  EXPECT_EQ(c.put("/f/demo/bad%20name", guest("echo")).result_int(), 400);
  // Faasm's routes answer errors as plain text.
  EXPECT_TRUE(header(missing, "Content-Type").starts_with("text/plain"));
}

// Faasm's cmdline is the guest's argv after argv[0], for that call only.
TEST_F(ServerTest, FaasmCmdlineIsArgv) {
  upload("faasm_argv");
  HttpClient c(port());
  auto argv_of = [&](const json& cmdline) {
    json msg = {{"user", "demo"}, {"function", "faasm_argv"}};
    if (!cmdline.is_null()) msg["cmdline"] = cmdline;
    auto r = c.post("/", msg.dump());
    EXPECT_EQ(r.result_int(), 200) << r.body();
    return r.body();
  };
  // Split at every space, as Faasm splits it: two spaces make an empty argument.
  EXPECT_EQ(argv_of("a b  c"), "argc=5 [function.wasm] [a] [b] [] [c]");
  // The next call of the same function (and Faaslet) sees argv[0] alone.
  EXPECT_EQ(argv_of(nullptr), "argc=1 [function.wasm]");
  EXPECT_EQ(argv_of(""), "argc=1 [function.wasm]");
  EXPECT_EQ(argv_of("x "), "argc=3 [function.wasm] [x] []");
  // At the bound on arguments: 1024 empty ones.
  EXPECT_TRUE(argv_of(std::string(1023, ' ')).starts_with("argc=1025 [function.wasm] [] []"));

  auto refused = [&](const std::string& cmdline) {
    json msg = {{"user", "demo"}, {"function", "faasm_argv"}, {"cmdline", cmdline}};
    auto r = c.post("/", msg.dump());
    EXPECT_EQ(r.result_int(), 400);
    EXPECT_NE(r.body().find("'cmdline'"), std::string::npos) << r.body();
  };
  refused(std::string(1024, ' '));            // 1025 arguments
  refused(std::string((64 << 10) + 1, 'a'));  // past 64 KiB
  EXPECT_EQ(c.post("/", R"({"user":"demo","function":"faasm_argv","cmdline":1})").result_int(),
            400);
  EXPECT_EQ(argv_of("after"), "argc=2 [function.wasm] [after]");
}

// Faasm's CAPTURE_STDOUT: what the call printed, a newline, then its output (or failure).
TEST_F(ServerTest, FaasmApiPutsStdoutFirstUnlessCaptureIsOff) {
  for (bool capture : {true, false}) {
    Config config;
    config.capture_stdout = capture;
    start(config);
    upload("trap");
    HttpClient c(port());
    auto r = c.post("/", json{{"user", "demo"}, {"function", "trap"}}.dump());
    EXPECT_EQ(r.result_int(), 500);
    EXPECT_EQ(r.body().starts_with("about to write outside memory\n\n"), capture) << r.body();
    EXPECT_NE(r.body().find("out of bounds"), std::string::npos) << r.body();
  }
}

// Python end to end is tests/python (pytest, a server with a Python home); a server started
// without one says so instead of storing what it cannot run.
TEST_F(ServerTest, PythonWithoutAPythonHomeIsUnsupported) {
  HttpClient c(port());
  auto r = c.put("/p/demo/hello", "def faasm_main():\n    return 0\n");
  EXPECT_EQ(r.result_int(), 501) << r.body();
  EXPECT_NE(r.body().find("--python-home"), std::string::npos) << r.body();
  EXPECT_EQ(c.get("/v1/functions/demo/hello").result_int(), 404);
}

TEST_F(ServerTest, StateRoundTrip) {
  HttpClient c(port());
  std::string value = all_bytes();
  auto put = c.put("/s/demo/key1", value);
  EXPECT_EQ(put.result_int(), 200);
  auto get = c.get("/s/demo/key1");
  EXPECT_EQ(get.result_int(), 200);
  EXPECT_EQ(get.body(), value);
  EXPECT_EQ(c.get("/s/demo/missing").result_int(), 404);

  // /v1 sees the same values.
  auto v1 = c.get("/v1/state/demo/key1");
  EXPECT_EQ(v1.result_int(), 200);
  EXPECT_EQ(v1.body(), value);
  EXPECT_EQ(c.put("/v1/state/demo/key2", "two").result_int(), 204);
  EXPECT_EQ(c.get("/s/demo/key2").body(), "two");
  auto missing = c.get("/v1/state/demo/missing");
  EXPECT_EQ(missing.result_int(), 404);
  EXPECT_EQ(body_json(missing)["error"], "unknown_key");

  // Keys are per user.
  EXPECT_EQ(c.get("/s/other/key1").result_int(), 404);
  EXPECT_EQ(runtime_->state().get("demo", "key2"), std::optional<std::string>("two"));

  EXPECT_EQ(c.get("/s/demo/bad%20key").result_int(), 400);
  auto bad = c.put("/v1/state/demo/bad%2Fkey", "x");
  EXPECT_EQ(bad.result_int(), 400);
  EXPECT_EQ(body_json(bad)["error"], "invalid_name");
  EXPECT_EQ(c.get("/s/demo/%zz").result_int(), 400);
}

TEST_F(ServerTest, SharedFiles) {
  HttpClient c(port());
  auto shared = runtime_->store().shared_dir();
  auto put = c.put("/file", "file contents", {{"FilePath", "data/in.txt"}});
  EXPECT_EQ(put.result_int(), 200) << put.body();
  EXPECT_EQ(util::read_text_file(shared / "data" / "in.txt"), "file contents");
  auto get = c.request(verb::verb::get, "/file", {}, {{"FilePath", "data/in.txt"}});
  EXPECT_EQ(get.result_int(), 200);
  EXPECT_EQ(get.body(), "file contents");
  // Faasm's own spelling of the same file.
  auto faasm = c.request(verb::verb::get, "/file", {}, {{"FilePath", "faasm://data/in.txt"}});
  EXPECT_EQ(faasm.body(), "file contents");

  EXPECT_EQ(c.request(verb::verb::get, "/file", {}, {{"FilePath", "data/none.txt"}}).result_int(),
            404);
  EXPECT_EQ(c.request(verb::verb::get, "/file").result_int(), 400);  // no FilePath
  for (const char* bad : {"/etc/passwd", "../escape.txt", "data/../../escape.txt", "..", "data/",
                          "faasm:///etc/passwd"}) {
    auto r = c.put("/file", "x", {{"FilePath", bad}});
    EXPECT_EQ(r.result_int(), 400) << bad;
    auto g = c.request(verb::verb::get, "/file", {}, {{"FilePath", bad}});
    EXPECT_EQ(g.result_int(), 400) << bad;
  }
  EXPECT_FALSE(fs::exists(shared.parent_path() / "escape.txt"));

  // A link inside the shared directory does not lead out of it.
  util::TempDir outside(fs::temp_directory_path(), "wasmlet-outside");
  fs::create_directory_symlink(outside.path(), shared / "link");
  EXPECT_EQ(c.put("/file", "x", {{"FilePath", "link/escape.txt"}}).result_int(), 400);
  EXPECT_FALSE(fs::exists(outside.path() / "escape.txt"));
}

// --- /v1 ---

TEST_F(ServerTest, V1FunctionLifecycle) {
  HttpClient c(port());
  std::string wasm = guest("echo");
  auto put = c.put("/v1/functions/demo/echo", wasm);
  ASSERT_EQ(put.result_int(), 200) << put.body();
  json info = body_json(put);
  EXPECT_EQ(info["id"], "demo/echo");
  EXPECT_EQ(info["user"], "demo");
  EXPECT_EQ(info["function"], "echo");
  EXPECT_EQ(info["kind"], "wasm");
  EXPECT_EQ(info["size_bytes"], wasm.size());
  EXPECT_EQ(info["sha256"].get<std::string>().size(), 64u);

  auto list = c.get("/v1/functions");
  ASSERT_EQ(list.result_int(), 200);
  json all = body_json(list);
  ASSERT_TRUE(all.is_array());
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0]["id"], "demo/echo");

  auto one = c.get("/v1/functions/demo/echo");
  EXPECT_EQ(one.result_int(), 200);
  EXPECT_EQ(body_json(one)["sha256"], info["sha256"]);

  EXPECT_EQ(c.request(verb::verb::delete_, "/v1/functions/demo/echo").result_int(), 204);
  auto gone = c.get("/v1/functions/demo/echo");
  EXPECT_EQ(gone.result_int(), 404);
  EXPECT_EQ(body_json(gone)["error"], "unknown_function");
  EXPECT_EQ(c.request(verb::verb::delete_, "/v1/functions/demo/echo").result_int(), 404);
  EXPECT_EQ(c.post("/v1/functions/demo/echo:invoke", "x").result_int(), 404);

  auto bad = c.put("/v1/functions/demo/bad", guest("invalid"));
  EXPECT_EQ(bad.result_int(), 400);
  EXPECT_EQ(body_json(bad)["error"], "upload_failed");
  EXPECT_FALSE(body_json(bad)["message"].get<std::string>().empty());

  auto py = c.put("/v1/functions/demo/py?kind=python", "def faasm_main():\n    pass\n");
  EXPECT_EQ(py.result_int(), 501);
  EXPECT_EQ(body_json(py)["error"], "unsupported");
}

TEST_F(ServerTest, V1InvokeSync) {
  upload("echo");
  HttpClient c(port());
  auto r = c.post("/v1/functions/demo/echo:invoke", "hello v1");
  EXPECT_EQ(r.result_int(), 200);
  EXPECT_EQ(r.body(), "hello v1");
  EXPECT_EQ(header(r, "X-Wasmlet-Return-Code"), "0");
  EXPECT_FALSE(header(r, "X-Wasmlet-Call-Id").empty());
  EXPECT_GT(std::stoull(header(r, "X-Wasmlet-Call-Id")), 0u);
  EXPECT_FALSE(header(r, "X-Wasmlet-Queue-Us").empty());
  EXPECT_FALSE(header(r, "X-Wasmlet-Run-Us").empty());

  auto bin = c.post("/v1/functions/demo/echo:invoke", all_bytes());
  EXPECT_EQ(bin.body(), all_bytes());

  // The finished call stays queryable.
  auto id = std::stoull(header(r, "X-Wasmlet-Call-Id"));
  json rec = body_json(c.get("/v1/calls/" + std::to_string(id)));
  EXPECT_EQ(rec["status"], "succeeded");
  EXPECT_EQ(rec["output"], "hello v1");
}

TEST_F(ServerTest, V1InvokeAsync) {
  upload("echo");
  HttpClient c(port());
  auto r = c.post("/v1/functions/demo/echo:invoke?async=1", "async input");
  ASSERT_EQ(r.result_int(), 202);
  uint64_t id = body_json(r)["id"];
  EXPECT_EQ(header(r, "Location"), "/v1/calls/" + std::to_string(id));

  json rec = wait_for_call(c, id);
  EXPECT_EQ(rec["id"], id);
  EXPECT_EQ(rec["function"], "demo/echo");
  EXPECT_EQ(rec["status"], "succeeded");
  EXPECT_EQ(rec["return_code"], 0);
  EXPECT_EQ(rec["output"], "async input");
  EXPECT_EQ(rec["output_base64"], false);
  for (const char* field :
       {"stdout", "stderr", "error_kind", "error_message", "queue_us", "run_us", "submitted_at"}) {
    EXPECT_TRUE(rec.contains(field)) << field;
  }

  // Output that is not UTF-8 comes back as base64, flagged.
  auto b = c.post("/v1/functions/demo/echo:invoke?async=true", all_bytes());
  ASSERT_EQ(b.result_int(), 202);
  json brec = wait_for_call(c, body_json(b)["id"]);
  EXPECT_EQ(brec["output_base64"], true);
  EXPECT_EQ(util::base64_decode(brec["output"].get<std::string>()), all_bytes());
}

TEST_F(ServerTest, V1InvokeTrapAndTimeout) {
  start(Config{.timeout = 500ms});
  upload("trap");
  upload("spin");
  HttpClient c(port());
  auto trap = c.post("/v1/functions/demo/trap:invoke", "");
  EXPECT_EQ(trap.result_int(), 500);
  json t = body_json(trap);
  EXPECT_EQ(t["error_kind"], "out_of_bounds");
  EXPECT_FALSE(t["message"].get<std::string>().empty());
  EXPECT_TRUE(t.contains("return_code"));
  EXPECT_TRUE(t.contains("output"));
  EXPECT_FALSE(header(trap, "X-Wasmlet-Call-Id").empty());

  auto spin = c.post("/v1/functions/demo/spin:invoke", "");
  EXPECT_EQ(spin.result_int(), 500);
  EXPECT_EQ(body_json(spin)["error_kind"], "timeout");

  json rec = body_json(c.get("/v1/calls/" + header(spin, "X-Wasmlet-Call-Id")));
  EXPECT_EQ(rec["status"], "failed");
  EXPECT_EQ(rec["error_kind"], "timeout");
}

TEST_F(ServerTest, V1Errors) {
  HttpClient c(port());
  auto unknown = c.post("/v1/functions/demo/nothing:invoke", "");
  EXPECT_EQ(unknown.result_int(), 404);
  EXPECT_EQ(body_json(unknown)["error"], "unknown_function");
  EXPECT_EQ(header(unknown, "Content-Type"), "application/json");

  auto bad_name = c.post("/v1/functions/demo/bad%24name:invoke", "");
  EXPECT_EQ(bad_name.result_int(), 400);
  EXPECT_EQ(body_json(bad_name)["error"], "invalid_name");
  EXPECT_EQ(c.get("/v1/functions/..%2F/x").result_int(), 400);

  auto bad_id = c.get("/v1/calls/abc");
  EXPECT_EQ(bad_id.result_int(), 400);
  EXPECT_EQ(body_json(bad_id)["error"], "bad_call_id");
  auto no_call = c.get("/v1/calls/123456789");
  EXPECT_EQ(no_call.result_int(), 404);
  EXPECT_EQ(body_json(no_call)["error"], "unknown_call");

  auto route = c.get("/v2/nothing");
  EXPECT_EQ(route.result_int(), 404);
  EXPECT_EQ(body_json(route)["error"], "not_found");
  EXPECT_EQ(c.get("/v1/functions/demo").result_int(), 404);
  EXPECT_EQ(c.get("/v1/functions/").result_int(), 404);

  auto method = c.request(verb::verb::post, "/v1/functions");
  EXPECT_EQ(method.result_int(), 405);
  EXPECT_EQ(header(method, "Allow"), "GET, HEAD");
  EXPECT_EQ(body_json(method)["error"], "method_not_allowed");

  auto invoke_get = c.get("/v1/functions/demo/echo:invoke");
  EXPECT_EQ(invoke_get.result_int(), 405);
  EXPECT_EQ(header(invoke_get, "Allow"), "POST");

  auto fn = c.request(verb::verb::post, "/v1/functions/demo/echo");
  EXPECT_EQ(fn.result_int(), 405);
  EXPECT_EQ(header(fn, "Allow"), "GET, HEAD, PUT, DELETE");

  auto ping = c.request(verb::verb::delete_, "/ping");
  EXPECT_EQ(ping.result_int(), 405);
  EXPECT_EQ(header(ping, "Allow"), "GET, HEAD");
  auto state = c.request(verb::verb::post, "/s/demo/key");
  EXPECT_EQ(state.result_int(), 405);
  EXPECT_EQ(header(state, "Allow"), "GET, HEAD, PUT");
  EXPECT_EQ(c.get("/").result_int(), 405);

  // Still one connection: errors keep it alive.
  EXPECT_EQ(c.reconnects(), 0u);
}

TEST_F(ServerTest, BodyTooLarge) {
  start(Config{.max_body = 1024});
  boost::asio::io_context ioc;
  auto s = test::connect_local(ioc, port());
  std::string head = "PUT /v1/state/demo/big HTTP/1.1\r\nHost: x\r\nContent-Length: 4096\r\n\r\n";
  boost::asio::write(s, boost::asio::buffer(head));
  std::string answer = test::read_until_closed(s);
  EXPECT_TRUE(answer.starts_with("HTTP/1.1 413")) << answer;
  auto body = answer.substr(answer.find("\r\n\r\n") + 4);
  EXPECT_EQ(json::parse(body)["error"], "body_too_large");

  // At the limit is fine.
  HttpClient c(port());
  EXPECT_EQ(c.put("/v1/state/demo/ok", std::string(1024, 'x')).result_int(), 204);

  // A chunked body that grows past the limit is refused as well.
  auto s2 = test::connect_local(ioc, port());
  std::string chunked =
      "PUT /v1/state/demo/big HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
      "800\r\nyyyy";  // announces 2048 bytes
  boost::asio::write(s2, boost::asio::buffer(chunked));
  EXPECT_TRUE(test::read_until_closed(s2).starts_with("HTTP/1.1 413"));
}

TEST_F(ServerTest, MalformedHttp) {
  boost::asio::io_context ioc;
  auto s = test::connect_local(ioc, port());
  boost::asio::write(s, boost::asio::buffer(std::string("NOT HTTP AT ALL\r\n\r\n")));
  std::string answer = test::read_until_closed(s);
  EXPECT_TRUE(answer.starts_with("HTTP/1.1 400")) << answer;
  EXPECT_EQ(http_request(port(), verb::verb::get, "/ping").body(), "PONG");
}

TEST_F(ServerTest, ExpectContinue) {
  boost::asio::io_context ioc;
  auto s = test::connect_local(ioc, port());
  std::string head =
      "PUT /v1/state/demo/cont HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
      "Expect: 100-continue\r\nConnection: close\r\n\r\n";
  boost::asio::write(s, boost::asio::buffer(head));
  boost::asio::streambuf buf;
  boost::asio::read_until(s, buf, "\r\n\r\n");
  std::string interim{std::istreambuf_iterator<char>(&buf), {}};
  EXPECT_TRUE(interim.starts_with("HTTP/1.1 100 Continue")) << interim;
  boost::asio::write(s, boost::asio::buffer(std::string("hello")));
  std::string answer = interim.substr(interim.find("\r\n\r\n") + 4) + test::read_until_closed(s);
  EXPECT_TRUE(answer.starts_with("HTTP/1.1 204")) << answer;
  EXPECT_EQ(runtime_->state().get("demo", "cont"), std::optional<std::string>("hello"));
}

TEST_F(ServerTest, QueueFull) {
  start(Config{.executors = 1, .queue_capacity = 1, .timeout = 300ms});
  upload("spin");
  HttpClient c(port());
  HttpResponse refused;
  for (int i = 0; i < 50 && refused.result_int() != 503; ++i) {
    refused = c.post("/v1/functions/demo/spin:invoke?async=1", "");
  }
  ASSERT_EQ(refused.result_int(), 503);
  EXPECT_EQ(header(refused, "Retry-After"), "1");
  EXPECT_EQ(body_json(refused)["error"], "queue_full");

  // The Faasm route refuses the same way, in plain text.
  HttpResponse faasm;
  for (int i = 0; i < 50 && faasm.result_int() != 503; ++i) {
    faasm = c.post("/", faasm_message("demo", "spin", "", true));
  }
  EXPECT_EQ(faasm.result_int(), 503);
  EXPECT_EQ(header(faasm, "Retry-After"), "1");

  auto metrics = c.get("/metrics").body();
  EXPECT_EQ(metrics.find("wasmlet_rejected_calls_total 0\n"), std::string::npos) << metrics;
}

TEST_F(ServerTest, Metrics) {
  upload("echo");
  upload("trap");
  HttpClient c(port());
  for (int i = 0; i < 3; ++i) c.post("/v1/functions/demo/echo:invoke", "m");
  c.post("/v1/functions/demo/trap:invoke", "");

  auto r = c.get("/metrics");
  ASSERT_EQ(r.result_int(), 200);
  EXPECT_EQ(header(r, "Content-Type"), "text/plain; version=0.0.4; charset=utf-8");
  const std::string& m = r.body();
  for (const char* family :
       {"# TYPE wasmlet_invocations_total counter",
        "# TYPE wasmlet_invocation_duration_seconds histogram",
        "# TYPE wasmlet_faaslet_restores_total counter", "# TYPE wasmlet_snapshots_total counter",
        "# TYPE wasmlet_compile_duration_seconds histogram", "# TYPE wasmlet_queue_depth gauge",
        "# TYPE wasmlet_queue_bytes gauge", "# TYPE wasmlet_running_calls gauge",
        "# TYPE wasmlet_live_faaslets gauge", "# TYPE wasmlet_rejected_calls_total counter"}) {
    EXPECT_NE(m.find(family), std::string::npos) << family << "\n" << m;
  }
  EXPECT_NE(m.find("wasmlet_invocations_total{function=\"demo/echo\",outcome=\"success\"} 3\n"),
            std::string::npos)
      << m;
  EXPECT_NE(m.find("wasmlet_invocations_total{function=\"demo/trap\",outcome=\"out_of_bounds\"} "
                   "1\n"),
            std::string::npos)
      << m;
  EXPECT_NE(m.find("wasmlet_invocation_duration_seconds_bucket{function=\"demo/echo\",le=\"+Inf\"}"
                   " 3\n"),
            std::string::npos)
      << m;
  EXPECT_NE(m.find("wasmlet_invocation_duration_seconds_count{function=\"demo/echo\"} 3\n"),
            std::string::npos)
      << m;
  EXPECT_NE(m.find("wasmlet_compile_duration_seconds_bucket{le=\"+Inf\"}"), std::string::npos);
  EXPECT_NE(m.find("wasmlet_rejected_calls_total 0\n"), std::string::npos);

  // Buckets are cumulative: never decreasing along a series.
  std::istringstream lines(m);
  uint64_t last = 0;
  for (std::string line; std::getline(lines, line);) {
    if (!line.starts_with("wasmlet_invocation_duration_seconds_bucket{function=\"demo/echo\"")) {
      continue;
    }
    uint64_t v = std::stoull(line.substr(line.rfind(' ') + 1));
    EXPECT_GE(v, last) << line;
    last = v;
  }
  EXPECT_EQ(last, 3u);
}

// --- Lifecycle ---

TEST_F(ServerTest, RestartKeepsFunctionsAndCompiledCode) {
  upload("echo");
  stop();  // server and runtime gone; the data directory stays
  start(Config{});

  runtime::FunctionId id{"demo", "echo"};
  ASSERT_TRUE(runtime_->function(id).has_value());
  HttpClient c(port());
  auto r = c.post("/v1/functions/demo/echo:invoke", "after restart");
  EXPECT_EQ(r.result_int(), 200);
  EXPECT_EQ(r.body(), "after restart");
  auto faasm = c.post("/", faasm_message("demo", "echo", "faasm after restart"));
  EXPECT_EQ(faasm.body(), "faasm after restart");

  // Nothing was compiled by this runtime: the module came from the compile cache.
  EXPECT_TRUE(runtime_->store().load(id)->cache_hit());
  EXPECT_NE(c.get("/metrics").body().find("wasmlet_compile_duration_seconds_count 0\n"),
            std::string::npos);
}

TEST_F(ServerTest, ManyConcurrentKeepAliveClients) {
  start(Config{.io_threads = 2});  // the other tests cover one I/O thread
  upload("echo");
  auto level = spdlog::get_level();
  spdlog::set_level(spdlog::level::warn);  // 64,000 request lines are not worth printing

  constexpr int kClients = 64, kRequests = 1000;
  std::atomic<int> errors{0}, reconnects{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kClients; ++i) {
    threads.emplace_back([&, i] {
      try {
        HttpClient c(port());
        for (int j = 0; j < kRequests; ++j) {
          std::string input = "client " + std::to_string(i) + " request " + std::to_string(j);
          // Half the clients speak Faasm, half /v1.
          auto r = i % 2 ? c.post("/", faasm_message("demo", "echo", input))
                         : c.post("/v1/functions/demo/echo:invoke", input);
          if (r.result_int() != 200 || r.body() != input) ++errors;
        }
        reconnects += static_cast<int>(c.reconnects());
      } catch (const std::exception& e) {
        ++errors;
        ADD_FAILURE() << "client " << i << ": " << e.what();
      }
    });
  }
  for (auto& t : threads) t.join();
  spdlog::set_level(level);
  EXPECT_EQ(errors.load(), 0);
  EXPECT_EQ(reconnects.load(), 0);
}

TEST_F(ServerTest, ClientsThatDisconnectDoNotDisturbOthers) {
  start(Config{.timeout = 500ms});
  upload("echo");
  upload("spin");

  std::atomic<bool> done{false};
  std::atomic<int> errors{0}, ok{0};
  std::vector<std::thread> workers;
  for (int i = 0; i < 4; ++i) {
    workers.emplace_back([&, i] {
      try {
        HttpClient c(port());
        for (int j = 0; !done; ++j) {
          std::string input = std::to_string(i) + ":" + std::to_string(j);
          auto r = c.post("/v1/functions/demo/echo:invoke", input);
          (r.result_int() == 200 && r.body() == input ? ok : errors)++;
        }
      } catch (const std::exception& e) {
        ++errors;
      }
    });
  }

  boost::asio::io_context ioc;
  for (int round = 0; round < 5; ++round) {
    {
      // Half a body, then gone.
      auto s = test::connect_local(ioc, port());
      std::string head =
          "POST /v1/functions/demo/echo:invoke HTTP/1.1\r\n"
          "Host: x\r\nContent-Length: 1000\r\n\r\n" +
          std::string(500, 'h');
      boost::asio::write(s, boost::asio::buffer(head));
    }
    {
      // A synchronous call of a slow function, then gone before it finishes.
      auto s = test::connect_local(ioc, port());
      std::string req =
          "POST /v1/functions/demo/spin:invoke HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n";
      boost::asio::write(s, boost::asio::buffer(req));
    }
    {
      // The same through Faasm's route, reset once the server has had time to take it: the
      // reply then meets a connection that is gone.
      auto s = test::connect_local(ioc, port());
      std::string body = faasm_message("demo", "spin", "");
      std::string req =
          "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: " + std::to_string(body.size()) +
          "\r\n\r\n" + body;
      boost::asio::write(s, boost::asio::buffer(req));
      std::this_thread::sleep_for(50ms);
      s.set_option(boost::asio::socket_base::linger(true, 0));
      s.close();  // an explicit close honours the linger option (the destructor would not)
    }
  }
  // The abandoned calls end, cancelled by the hang-up (or at their time limit, when the
  // hang-up came before the call had an id), and their replies meet closed sockets. The five
  // cleanly closed ones were surely read; a reset one may have been dropped before it was.
  auto spins_done = [&] {
    auto m = runtime_->metrics();
    uint64_t ended =
        m.invocations[{"demo/spin", "timeout"}] + m.invocations[{"demo/spin", "cancelled"}];
    return ended >= 5 && m.queue_depth == 0 && m.running == 0;
  };
  // Judged once: the echo workers keep calls running, so asking again may see one in flight.
  bool finished = spins_done();
  for (int i = 0; i < 3000 && !finished; ++i) {
    std::this_thread::sleep_for(10ms);
    finished = spins_done();
  }
  EXPECT_TRUE(finished);
  done = true;
  for (auto& t : workers) t.join();
  EXPECT_EQ(errors.load(), 0);
  EXPECT_GT(ok.load(), 0);
  EXPECT_EQ(http_request(port(), verb::verb::get, "/ping").body(), "PONG");
}

// Short calls of a warm function run on the I/O thread; one that turns out long holds only
// that thread (one I/O thread never runs calls), and sends its function back to the executors.
TEST_F(ServerTest, ShortCallsRunInlineAndALongOneBlocksNothingElse) {
  start(Config{.timeout = 1s, .io_threads = 2});
  upload("maybe_spin");
  HttpClient client(port());
  warm_until_inline(client);

  std::atomic<bool> spin_done{false};
  std::thread spinner([&] {
    HttpClient c(port());
    EXPECT_EQ(c.post("/v1/functions/demo/maybe_spin:invoke", "spin").result_int(), 500);
    spin_done = true;
  });
  std::this_thread::sleep_for(100ms);  // the spinning call now holds an I/O thread
  HttpClient other(port());
  EXPECT_EQ(other.get("/healthz").result_int(), 200);
  EXPECT_EQ(other.post("/v1/functions/demo/maybe_spin:invoke", "still").body(), "still");
  EXPECT_FALSE(spin_done.load()) << "answered only after the long call ended";
  spinner.join();
  // The long call reset the function's streak: its next call goes through an executor.
  uint64_t before = runtime_->metrics().inline_calls;
  EXPECT_EQ(client.post("/v1/functions/demo/maybe_spin:invoke", "after").body(), "after");
  EXPECT_EQ(runtime_->metrics().inline_calls, before);
}

// With one I/O thread, a call predicted short that spins holds every I/O thread: the standby
// thread must take over the connections until it ends.
TEST_F(ServerTest, WhenALongInlineCallHoldsEveryIOThreadTheStandbyServes) {
  start(Config{.timeout = 1s, .io_threads = 1});
  upload("maybe_spin");
  HttpClient client(port());
  warm_until_inline(client);

  std::atomic<bool> spin_done{false};
  std::thread spinner([&] {
    HttpClient c(port());
    EXPECT_EQ(c.post("/v1/functions/demo/maybe_spin:invoke", "spin").result_int(), 500);
    spin_done = true;
  });
  for (int i = 0; i < 1000 && runtime_->metrics().running == 0; ++i) {
    std::this_thread::sleep_for(1ms);
  }
  HttpClient other(port());
  EXPECT_EQ(other.get("/healthz").result_int(), 200);
  EXPECT_EQ(other.post("/v1/functions/demo/maybe_spin:invoke", "still").body(), "still");
  EXPECT_FALSE(spin_done.load()) << "answered only after the long call ended";
  spinner.join();
}

TEST_F(ServerTest, GracefulShutdownAnswersCallsInFlight) {
  upload("sleeper");
  HttpClient idle(port());  // an idle keep-alive connection must not hold the shutdown up
  EXPECT_EQ(idle.get("/ping").body(), "PONG");

  HttpResponse answer;
  std::thread caller([&] {
    HttpClient c(port());
    answer = c.post("/v1/functions/demo/sleeper:invoke", "");
  });
  // Wait until the call is running, then stop the server under it.
  for (int i = 0; i < 2000 && runtime_->metrics().running == 0; ++i) {
    std::this_thread::sleep_for(1ms);
  }
  server_->stop();
  caller.join();
  EXPECT_EQ(answer.result_int(), 200) << answer.body();
  EXPECT_EQ(header(answer, "X-Wasmlet-Return-Code"), "0");
  EXPECT_EQ(answer[boost::beast::http::field::connection], "close");

  // Nothing listens any more.
  boost::asio::io_context ioc;
  EXPECT_THROW(test::connect_local(ioc, port()), boost::system::system_error);
  server_->stop();  // idempotent
}

TEST_F(ServerTest, LogsOneLinePerRequest) {
  std::ostringstream captured;
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(captured);
  auto previous = spdlog::default_logger();
  spdlog::set_default_logger(std::make_shared<spdlog::logger>("capture", sink));
  spdlog::set_level(spdlog::level::info);

  upload("echo");
  HttpClient c(port());
  c.get("/ping");
  auto r = c.post("/v1/functions/demo/echo:invoke", "logged");
  std::string call_id = header(r, "X-Wasmlet-Call-Id");
  stop();  // every line is written once the server has stopped
  spdlog::set_default_logger(previous);

  std::string log = captured.str();
  EXPECT_NE(log.find("method=GET target=/ping status=200 bytes=4 us="), std::string::npos) << log;
  EXPECT_NE(log.find("method=POST target=/v1/functions/demo/echo:invoke status=200 bytes=6 us="),
            std::string::npos)
      << log;
  EXPECT_NE(log.find("call_id=" + call_id + "\n"), std::string::npos) << log;
}

}  // namespace
}  // namespace wasmlet
