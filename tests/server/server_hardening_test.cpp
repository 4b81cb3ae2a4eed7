// Hostile clients over real sockets (issue 9): the connection cap, HEAD, transfer codings,
// server faults reported as 5xx without host paths, uploads without an entry point, and a
// function store that stays consistent when the server is killed mid-upload.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "http_test_client.h"
#include "runtime/runtime.h"
#include "server/http_server.h"
#include "server/session.h"
#include "test_support.h"
#include "util/base64.h"
#include "util/files.h"
#include "util/sha256.h"

namespace wasmlet {
namespace {

namespace fs = std::filesystem;
namespace asio = boost::asio;
namespace http = boost::beast::http;
using nlohmann::json;
using test::http_request;
using test::HttpClient;
using test::HttpResponse;
using namespace std::chrono_literals;

std::string guest(const std::string& name) {
  auto bytes = test::guest_bytes(name);
  return {bytes.begin(), bytes.end()};
}

std::string sha256_of(const std::string& s) {
  return util::sha256_hex({reinterpret_cast<const unsigned char*>(s.data()), s.size()});
}

std::string faasm_message(const std::string& user, const std::string& function,
                          const std::string& input) {
  return json{{"user", user}, {"function", function}, {"input_data", util::base64_encode(input)}}
      .dump();
}

// Writes `request` on a new connection and returns all the server sends until it closes
// (nothing if it closed the connection without an answer).
std::string raw_exchange(uint16_t port, const std::string& request) {
  asio::io_context ioc;
  auto s = test::connect_local(ioc, port);
  boost::system::error_code ec;
  asio::write(s, asio::buffer(request), ec);
  return test::read_until_closed(s);
}

class ServerHardeningTest : public ::testing::Test {
 protected:
  void SetUp() override { start(); }
  void TearDown() override { stop(); }

  void start(server::ServerConfig sc = {}) {
    stop();
    runtime::RuntimeConfig rc;
    rc.data_dir = dir_.path();
    rc.executor_threads = 2;
    rc.limits.timeout = 5s;
    runtime_ = std::make_unique<runtime::Runtime>(rc);
    sc.port = 0;
    server_ = std::make_unique<server::HttpServer>(*runtime_, sc);
  }

  void stop() {
    server_.reset();
    runtime_.reset();
  }

  uint16_t port() const { return server_->port(); }
  std::string data_dir() const { return dir_.path().string(); }

  util::TempDir dir_{fs::temp_directory_path(), "wasmlet-hardening-test"};
  std::unique_ptr<runtime::Runtime> runtime_;
  std::unique_ptr<server::HttpServer> server_;
};

// --- I/O timeouts ---

// A connection that sends nothing is dropped once the I/O timeout passes; one that keeps sending
// requests outlives it, as each request's read starts the timeout again.
TEST_F(ServerHardeningTest, IdleConnectionsAreDroppedAndBusyOnesAreNot) {
  server::ServerConfig sc;
  sc.io_timeout = 1s;
  start(sc);
  asio::io_context ioc;
  auto idle = test::connect_local(ioc, port());
  HttpClient busy(port());
  for (int i = 0; i < 8; ++i) {  // 2.4 s of requests on one connection: past its timeout
    EXPECT_EQ(busy.get("/healthz").result_int(), 200);
    std::this_thread::sleep_for(300ms);
  }
  EXPECT_EQ(busy.reconnects(), 0u);
  EXPECT_EQ(test::read_until_closed(idle), "");  // closed without an answer
}

// Requests written together arrive in one read: each is answered, in order, on the connection.
TEST_F(ServerHardeningTest, PipelinedRequestsWithBodiesAreEachAnswered) {
  asio::io_context ioc;
  auto s = test::connect_local(ioc, port());
  std::string requests;
  for (std::string body : {"one", "two!", "three"}) {
    requests +=
        fmt::format("PUT /v1/state/demo/k HTTP/1.1\r\nHost: x\r\nContent-Length: {}\r\n\r\n{}",
                    body.size(), body);
    requests += "GET /v1/state/demo/k HTTP/1.1\r\nHost: x\r\n\r\n";
  }
  asio::write(s, asio::buffer(requests));
  boost::beast::flat_buffer buffer;
  for (std::string body : {"one", "two!", "three"}) {
    HttpResponse put, get;
    http::read(s, buffer, put);
    http::read(s, buffer, get);
    EXPECT_EQ(put.result_int(), 204) << body;
    EXPECT_EQ(get.body(), body);
  }
}

// --- Connection cap ---

// An idle keep-alive connection the server has accepted (one request answered on it).
asio::ip::tcp::socket accepted_connection(asio::io_context& ioc, uint16_t port) {
  auto s = test::connect_local(ioc, port);
  asio::write(s, asio::buffer(std::string("GET /ping HTTP/1.1\r\nHost: x\r\n\r\n")));
  boost::beast::flat_buffer buffer;
  HttpResponse res;
  http::read(s, buffer, res);
  EXPECT_EQ(res.result_int(), 200);
  return s;
}

TEST_F(ServerHardeningTest, ConnectionsBeyondTheCapGet503ButHealthzStillAnswers) {
  server::ServerConfig sc;
  sc.max_connections = 4;
  sc.health_reserve = 2;
  start(sc);
  asio::io_context ioc;
  std::vector<asio::ip::tcp::socket> held;
  for (int i = 0; i < 4; ++i) held.push_back(accepted_connection(ioc, port()));

  // Over the cap: a quick 503 that does not wait for the (announced, never sent) body.
  std::string refused = raw_exchange(
      port(), "PUT /v1/state/demo/k HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n");
  EXPECT_TRUE(refused.starts_with("HTTP/1.1 503")) << refused;
  EXPECT_NE(refused.find("too_many_connections"), std::string::npos) << refused;
  EXPECT_NE(refused.find("Retry-After"), std::string::npos) << refused;

  // Health checks still get through.
  std::string health = raw_exchange(port(), "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_TRUE(health.starts_with("HTTP/1.1 200")) << health;

  // Past the reserve as well: the connection is closed without an answer.
  std::vector<asio::ip::tcp::socket> reserve;
  for (int i = 0; i < 2; ++i) reserve.push_back(test::connect_local(ioc, port()));
  std::this_thread::sleep_for(100ms);  // let the server accept them
  EXPECT_EQ(raw_exchange(port(), "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"), "");

  // Freed connections are served again.
  for (auto& s : held) s.close();
  for (auto& s : reserve) s.close();
  bool served = false;
  for (int i = 0; i < 100 && !served; ++i) {
    served = raw_exchange(port(), "GET /ping HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                 .starts_with("HTTP/1.1 200");
    if (!served) std::this_thread::sleep_for(10ms);
  }
  EXPECT_TRUE(served);
}

// --- HEAD and transfer codings ---

TEST_F(ServerHardeningTest, HeadWorksWhereGetDoes) {
  ASSERT_EQ(http_request(port(), http::verb::put, "/f/demo/echo", guest("echo")).result_int(), 200);
  ASSERT_EQ(http_request(port(), http::verb::put, "/v1/state/demo/k", "value").result_int(), 204);
  asio::io_context ioc;
  auto s = test::connect_local(ioc, port());
  boost::beast::flat_buffer buffer;
  for (std::string target : {"/ping", "/healthz", "/v1/functions", "/v1/functions/demo/echo",
                             "/v1/state/demo/k", "/metrics"}) {
    http::request<http::empty_body> get{http::verb::get, target, 11};
    get.set(http::field::host, "x");
    http::write(s, get);
    HttpResponse got;
    http::read(s, buffer, got);
    ASSERT_EQ(got.result_int(), 200) << target;

    // On the same connection: framing must stay intact after a bodiless reply.
    http::request<http::empty_body> head{http::verb::head, target, 11};
    head.set(http::field::host, "x");
    http::write(s, head);
    http::response_parser<http::string_body> parser;
    parser.skip(true);  // a reply to HEAD has no body whatever its Content-Length says
    http::read(s, buffer, parser);
    const auto& res = parser.get();
    EXPECT_EQ(res.result_int(), 200) << target;
    EXPECT_TRUE(res.body().empty()) << target;
    if (target != "/metrics") {  // the metrics change between the two requests
      EXPECT_EQ(res[http::field::content_length], std::to_string(got.body().size())) << target;
    }
    EXPECT_EQ(res[http::field::content_type], got[http::field::content_type]) << target;
    EXPECT_TRUE(res.keep_alive()) << target;
  }
  // Allowed methods name HEAD next to GET.
  auto r = http_request(port(), http::verb::post, "/healthz");
  EXPECT_EQ(r.result_int(), 405);
  EXPECT_NE(std::string(r[http::field::allow]).find("HEAD"), std::string::npos);
}

TEST_F(ServerHardeningTest, TransferEncodingOtherThanChunkedIsRefused) {
  for (std::string coding : {"gzip", "gzip, chunked", "identity", "chunked, gzip"}) {
    std::string answer = raw_exchange(
        port(), "PUT /v1/state/demo/te HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: " + coding +
                    "\r\n\r\n5\r\nhello\r\n0\r\n\r\n");
    EXPECT_TRUE(answer.starts_with("HTTP/1.1 501") || answer.starts_with("HTTP/1.1 400"))
        << coding << ": " << answer;
  }
  EXPECT_FALSE(runtime_->state().get("demo", "te").has_value());
  // Chunked is still fine.
  std::string ok =
      raw_exchange(port(),
                   "PUT /v1/state/demo/te HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
                   "Connection: close\r\n\r\n5\r\nhello\r\n0\r\n\r\n");
  EXPECT_TRUE(ok.starts_with("HTTP/1.1 204")) << ok;
}

// Beast keeps a chunk's header line (with its extensions) whole in the connection's buffer, and
// neither the header nor the body limit counts it: a 400 MiB extension went into memory. The
// request fills the bounded buffer exactly, so the server has read all of it when it answers.
TEST_F(ServerHardeningTest, AChunkHeaderLongerThanTheReadBufferIsRefused) {
  std::string head =
      "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n";
  std::string chunk = "1;" + std::string(server::kMaxBufferedBytes - 2, 'a');
  std::string answer = raw_exchange(port(), head + chunk);
  EXPECT_TRUE(answer.starts_with("HTTP/1.1 400")) << answer.substr(0, 200);
  // An ordinary chunked request still goes through.
  std::string ok = raw_exchange(port(),
                                "PUT /v1/state/demo/c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: "
                                "chunked\r\nConnection: close\r\n\r\n3;ext=1\r\nabc\r\n0\r\n\r\n");
  EXPECT_TRUE(ok.starts_with("HTTP/1.1 204")) << ok;
}

// A client that sends its whole body before reading (as Python's requests does) gets the
// refusal, not a reset: the server drains what is still coming before it closes.
TEST_F(ServerHardeningTest, ARefusedBodyStillBeingSentGetsItsReplyNotAReset) {
  server::ServerConfig sc;
  sc.max_body_bytes = 1 << 20;
  start(sc);
  asio::io_context ioc;
  auto s = test::connect_local(ioc, port());
  const std::string body(8 << 20, 'b');
  std::string request = "PUT /v1/state/demo/big HTTP/1.1\r\nHost: x\r\nContent-Length: " +
                        std::to_string(body.size()) + "\r\n\r\n" + body;
  boost::system::error_code ec;
  asio::write(s, asio::buffer(request), ec);
  EXPECT_FALSE(ec) << "the body could not be sent whole: " << ec.message();
  s.shutdown(asio::ip::tcp::socket::shutdown_send, ec);
  std::string answer = test::read_until_closed(s);
  EXPECT_TRUE(answer.starts_with("HTTP/1.1 413")) << answer.substr(0, 200);
  EXPECT_EQ(http_request(port(), http::verb::get, "/healthz").result_int(), 200);
}

// Bodies are counted as they arrive against the server's budget for them: one past it is
// refused with 503, small requests are not, and a closed connection gives its share back.
TEST_F(ServerHardeningTest, RequestBodiesTogetherStayWithinTheirBudget) {
  server::ServerConfig sc;
  sc.max_body_memory = 1 << 20;
  start(sc);
  auto deadline = std::chrono::steady_clock::now() + 10s;
  auto wait_for = [&](auto done) {
    while (!done() && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(5ms);
    return done();
  };
  asio::io_context ioc;
  auto holder = test::connect_local(ioc, port());
  // A declared length costs nothing until its bytes come.
  asio::write(
      holder,
      asio::buffer(std::string(
          "PUT /v1/state/demo/big HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\n")));
  EXPECT_EQ(server_->body_bytes_in_use(), 0u);
  asio::write(holder, asio::buffer(std::string(800'000, 'a')));
  ASSERT_TRUE(wait_for([&] { return server_->body_bytes_in_use() >= 700'000; }))
      << server_->body_bytes_in_use();

  const std::string big = std::string(
                              "PUT /v1/state/demo/other HTTP/1.1\r\nHost: x\r\nConnection: "
                              "close\r\nContent-Length: 400000\r\n\r\n") +
                          std::string(400'000, 'b');
  std::string refused = raw_exchange(port(), big);
  EXPECT_TRUE(refused.starts_with("HTTP/1.1 503")) << refused.substr(0, 200);
  EXPECT_NE(refused.find("server_busy"), std::string::npos) << refused.substr(0, 400);
  EXPECT_NE(refused.find("Retry-After: 1"), std::string::npos) << refused.substr(0, 400);
  // Small bodies, which come with their request's head, and health checks go through.
  EXPECT_EQ(http_request(port(), http::verb::put, "/v1/state/demo/small", std::string(4000, 'c'))
                .result_int(),
            204);
  EXPECT_EQ(http_request(port(), http::verb::get, "/healthz").result_int(), 200);

  // The holder's connection closes: its share comes back, and the large body fits.
  holder.close();
  ASSERT_TRUE(wait_for([&] { return server_->body_bytes_in_use() == 0; }))
      << server_->body_bytes_in_use();
  std::string accepted = raw_exchange(port(), big);
  EXPECT_TRUE(accepted.starts_with("HTTP/1.1 204")) << accepted.substr(0, 200);
  // A served request gives its share back when the next one is read or the connection ends.
  EXPECT_TRUE(wait_for([&] { return server_->body_bytes_in_use() == 0; }))
      << server_->body_bytes_in_use();
}

// --- Errors: typed, and nothing of the host ---

TEST_F(ServerHardeningTest, StorageFaultsAre5xxWithoutServerPaths) {
  // The user's directory is a file: storing the function fails on the server's side.
  fs::create_directories(dir_.path() / "functions");
  std::ofstream(dir_.path() / "functions" / "blocked") << "not a directory";
  for (std::string target : {"/f/blocked/echo", "/v1/functions/blocked/echo"}) {
    auto r = http_request(port(), http::verb::put, target, guest("echo"));
    EXPECT_GE(r.result_int(), 500) << target << ": " << r.body();
    EXPECT_EQ(r.body().find(data_dir()), std::string::npos) << r.body();
  }
}

TEST_F(ServerHardeningTest, SharedFilesOverDirectoriesAndUnderFilesAreConflicts) {
  auto put = [&](const std::string& path) {
    return http_request(port(), http::verb::put, "/file", "x", {{"FilePath", path}});
  };
  ASSERT_EQ(put("d/inner").result_int(), 200);
  // A file where a directory of files is, and a directory where a file is: the client's clash.
  for (std::string path : {"d", "d/inner/deeper", "d/inner/a/b"}) {
    auto r = put(path);
    EXPECT_EQ(r.result_int(), 409) << path << ": " << r.body();
    EXPECT_NE(r.body().find("file path '" + path + "'"), std::string::npos) << r.body();
    EXPECT_EQ(r.body().find(data_dir()), std::string::npos) << r.body();
  }
  auto r = http_request(port(), http::verb::get, "/file", "", {{"FilePath", "d/inner"}});
  EXPECT_EQ(r.result_int(), 200);
  EXPECT_EQ(r.body(), "x");
  EXPECT_EQ(put("d/other").result_int(), 200);
}

TEST_F(ServerHardeningTest, ModuleWithoutAnEntryIsRefusedAtUpload) {
  // A valid module with a memory and no functions: nothing could ever be invoked.
  constexpr char kNoEntry[] =
      "\0asm\1\0\0\0"         // header
      "\5\3\1\0\1"            // memory section: one memory, 1 page
      "\7\12\1\6memory\2\0";  // export section: "memory"
  const std::string no_entry(kNoEntry, sizeof kNoEntry - 1);
  auto v1 = http_request(port(), http::verb::put, "/v1/functions/demo/none", no_entry);
  EXPECT_EQ(v1.result_int(), 400) << v1.body();
  EXPECT_EQ(json::parse(v1.body())["error"], "upload_failed");
  EXPECT_NE(v1.body().find("_start"), std::string::npos) << v1.body();
  EXPECT_EQ(http_request(port(), http::verb::put, "/f/demo/none", no_entry).result_int(), 400);
  EXPECT_EQ(http_request(port(), http::verb::get, "/v1/functions/demo/none").result_int(), 404);
}

// --- Crash safety of the function store ---

TEST_F(ServerHardeningTest, RestartAfterAKilledOverwriteListsAndRunsTheOldFunction) {
  std::string echo = guest("echo");
  std::string other = guest("trap");
  ASSERT_EQ(http_request(port(), http::verb::put, "/f/demo/fn", echo).result_int(), 200);
  stop();

  // What `kill -9` can leave at any moment of an overwrite of demo/fn with `other`, and of a
  // first upload of demo/half: modules written before meta.json, temporary files of atomic
  // writes, a compile's work directory.
  fs::path fn = dir_.path() / "functions" / "demo" / "fn";
  std::ofstream(fn / "function.wasm", std::ios::binary) << other;
  std::ofstream(fn / ("module-" + sha256_of(other) + ".wasm"), std::ios::binary) << other;
  std::ofstream(fn / ".meta.json.a1b2c3") << "{\"user\":";
  std::ofstream(fn / ".function.wasm.d4e5f6") << other.substr(0, 100);
  std::ofstream(fn / (".module-" + sha256_of(other) + ".wasm.g7h8i9")) << other.substr(0, 100);
  fs::create_directories(fn / ".staging.j1k2l3");
  fs::path half = dir_.path() / "functions" / "demo" / "half";
  fs::create_directories(half);
  std::ofstream(half / ("module-" + sha256_of(other) + ".wasm"), std::ios::binary) << other;
  fs::path work = dir_.path() / "cache" / "abi0" / "tmp" / "0123456789ab.XXXXXX";
  fs::create_directories(work);
  std::ofstream(work / "module.c") << "/* half-written */";
  fs::last_write_time(work, fs::file_time_type::clock::now() - 2h);

  start();
  auto list = http_request(port(), http::verb::get, "/v1/functions");
  ASSERT_EQ(list.result_int(), 200);
  json all = json::parse(list.body());
  ASSERT_EQ(all.size(), 1u) << all.dump();
  EXPECT_EQ(all[0]["id"], "demo/fn");
  EXPECT_EQ(all[0]["sha256"], sha256_of(echo));
  // The listed hash is the code that runs.
  auto r = http_request(port(), http::verb::post, "/", faasm_message("demo", "fn", "still echo"));
  EXPECT_EQ(r.result_int(), 200) << r.body();
  EXPECT_EQ(r.body(), "still echo");

  std::vector<std::string> left;
  for (const auto& e : fs::directory_iterator(fn)) left.push_back(e.path().filename().string());
  std::sort(left.begin(), left.end());
  EXPECT_EQ(left, (std::vector<std::string>{"meta.json", "module-" + sha256_of(echo) + ".wasm"}));
  EXPECT_FALSE(fs::exists(half));
  EXPECT_FALSE(fs::exists(work));

  // An overwrite then runs and lists the new code, and leaves only it behind.
  auto up = http_request(port(), http::verb::put, "/v1/functions/demo/fn", other);
  ASSERT_EQ(up.result_int(), 200) << up.body();
  EXPECT_EQ(json::parse(up.body())["sha256"], sha256_of(other));
  left.clear();
  for (const auto& e : fs::directory_iterator(fn)) left.push_back(e.path().filename().string());
  std::sort(left.begin(), left.end());
  EXPECT_EQ(left, (std::vector<std::string>{"meta.json", "module-" + sha256_of(other) + ".wasm"}));
  EXPECT_EQ(
      http_request(port(), http::verb::post, "/", faasm_message("demo", "fn", "x")).result_int(),
      500);  // the trap guest
}

// --- Work done for a client that is gone, and compiles in the way of short requests ---

TEST_F(ServerHardeningTest, AClientThatHangsUpCancelsItsCall) {
  ASSERT_EQ(
      http_request(port(), http::verb::put, "/v1/functions/gone/spin", guest("spin")).result_int(),
      200);
  {
    asio::io_context ioc;
    auto s = test::connect_local(ioc, port());
    asio::write(
        s, asio::buffer(std::string("POST /v1/functions/gone/spin:invoke HTTP/1.1\r\nHost: x\r\n"
                                    "Content-Length: 0\r\n\r\n")));
    std::this_thread::sleep_for(200ms);  // the call is spinning now
  }                                      // hang up
  // The call stops as cancelled, long before its 5 s time limit would end it as a timeout.
  uint64_t cancelled = 0, timed_out = 0;
  for (int i = 0; i < 400 && cancelled + timed_out == 0; ++i) {
    std::this_thread::sleep_for(10ms);
    auto m = runtime_->metrics();
    cancelled = m.invocations[{"gone/spin", "cancelled"}];
    timed_out = m.invocations[{"gone/spin", "timeout"}];
  }
  EXPECT_EQ(cancelled, 1u);
  EXPECT_EQ(timed_out, 0u);
}

// A valid module that takes clang a second or two: `functions` bodies of long arithmetic.
std::string slow_module(int seed) {
  auto leb = [](uint64_t n) {
    std::string out;
    do {
      uint8_t b = n & 0x7f;
      n >>= 7;
      out.push_back(static_cast<char>(n ? (b | 0x80) : b));
    } while (n);
    return out;
  };
  auto vec = [&](const std::vector<std::string>& items) {
    std::string out = leb(items.size());
    for (const auto& i : items) out += i;
    return out;
  };
  auto section = [&](char id, const std::string& content) {
    return std::string(1, id) + leb(content.size()) + content;
  };
  constexpr int kFunctions = 20, kOps = 5000;
  std::string ops;
  for (int k = 0; k < kOps; ++k) {
    ops += "\x41" + leb((k * 7 + seed) % 50) + std::string("\x20\x00\x6a\x21\x00", 5);
    if (k % 3 == 0) ops += std::string("\x20\x00\x41\x05\x6c\x21\x00", 7);
  }
  std::string body = std::string("\x01\x01\x7f", 3) + ops + "\x0b";
  std::string code = leb(body.size()) + body;
  return std::string("\0asm\x01\0\0\0", 8) + section(1, vec({std::string("\x60\x00\x00", 3)})) +
         section(3, vec(std::vector<std::string>(kFunctions, std::string(1, '\0')))) +
         section(7, vec({leb(6) + "_start" + std::string(2, '\0')})) +
         section(10, vec(std::vector<std::string>(kFunctions, code)));
}

TEST_F(ServerHardeningTest, SlowUploadsDoNotHoldStateAndFileRequests) {
  server::ServerConfig sc;
  sc.compile_threads = 2;
  sc.blocking_threads = 1;
  start(sc);
  std::atomic<int> uploads_done{0};
  std::vector<std::thread> uploads;
  for (int i = 0; i < 2; ++i) {
    uploads.emplace_back([&, i] {
      auto res = http_request(port(), http::verb::put, "/v1/functions/slow/f" + std::to_string(i),
                              slow_module(i));
      EXPECT_EQ(res.result_int(), 200) << res.body();
      ++uploads_done;
    });
  }
  std::this_thread::sleep_for(100ms);  // both compiles are running
  HttpClient client(port());
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(client.put("/s/slow/k", "v" + std::to_string(i)).result_int(), 200);
    EXPECT_EQ(client.get("/s/slow/k").body(), "v" + std::to_string(i));
    EXPECT_EQ(client.put("/file", "x", {{"FilePath", "slow.txt"}}).result_int(), 200);
  }
  EXPECT_EQ(uploads_done.load(), 0) << "the compiles ended before the short requests did";
  for (auto& t : uploads) t.join();
}

TEST_F(ServerHardeningTest, AClientThatHangsUpCancelsItsCompile) {
  server::ServerConfig sc;
  sc.compile_threads = 1;
  start(sc);
  {
    asio::io_context ioc;
    auto s = test::connect_local(ioc, port());
    std::string module = slow_module(7);
    asio::write(s,
                asio::buffer(fmt::format(
                    "PUT /v1/functions/slow/gone HTTP/1.1\r\nHost: x\r\nContent-Length: {}\r\n\r\n",
                    module.size())));
    asio::write(s, asio::buffer(module));
    std::this_thread::sleep_for(200ms);  // compiling now
  }
  // The next upload waits for the one compile thread; when it is done, the abandoned compile
  // has ended too, and it stored nothing: it was cancelled, not finished.
  auto res = http_request(port(), http::verb::put, "/v1/functions/slow/echo", guest("echo"));
  EXPECT_EQ(res.result_int(), 200) << res.body();
  EXPECT_EQ(http_request(port(), http::verb::get, "/v1/functions/slow/gone").result_int(), 404);
}

}  // namespace
}  // namespace wasmlet
