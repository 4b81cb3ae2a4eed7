// The web console over real sockets: /console redirects, the page and its bundle are served
// with their types, validators and security headers, a matching If-None-Match answers 304, and
// anything else under /console/ is a JSON 404.
#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "http_test_client.h"
#include "runtime/runtime.h"
#include "server/http_server.h"
#include "util/files.h"
#include "web/web_assets.h"

namespace wasmlet {
namespace {

namespace fs = std::filesystem;
using test::HttpClient;
using test::HttpResponse;
namespace verb = boost::beast::http;

std::string header(const HttpResponse& r, const std::string& name) {
  auto it = r.find(name);
  return it == r.end() ? std::string() : std::string(it->value());
}

class ConsoleTest : public ::testing::Test {
 protected:
  void SetUp() override {
    runtime::RuntimeConfig rc;
    rc.data_dir = dir_.path();
    rc.executor_threads = 1;
    runtime_ = std::make_unique<runtime::Runtime>(rc);
    server::ServerConfig sc;
    sc.port = 0;
    sc.io_threads = 1;
    server_ = std::make_unique<server::HttpServer>(*runtime_, sc);
    client_ = std::make_unique<HttpClient>(server_->port());
  }
  void TearDown() override {
    client_.reset();
    server_.reset();
    runtime_.reset();
  }

  util::TempDir dir_{fs::temp_directory_path(), "wasmlet-console-test"};
  std::unique_ptr<runtime::Runtime> runtime_;
  std::unique_ptr<server::HttpServer> server_;
  std::unique_ptr<HttpClient> client_;
};

void expect_security_headers(const HttpResponse& r) {
  EXPECT_EQ(header(r, "Cache-Control"), "no-cache");
  EXPECT_EQ(header(r, "X-Content-Type-Options"), "nosniff");
  const std::string csp = header(r, "Content-Security-Policy");
  EXPECT_NE(csp.find("default-src 'self'"), std::string::npos) << csp;
  EXPECT_EQ(csp.find("unsafe-inline"), std::string::npos) << csp;
}

TEST_F(ConsoleTest, RedirectsToTheFolder) {
  auto r = client_->get("/console");
  EXPECT_EQ(r.result_int(), 301);
  EXPECT_EQ(header(r, "Location"), "/console/");
}

TEST_F(ConsoleTest, ServesThePageAndItsBundle) {
  auto page = client_->get("/console/");
  ASSERT_EQ(page.result_int(), 200);
  EXPECT_EQ(header(page, "Content-Type"), "text/html; charset=utf-8");
  EXPECT_NE(page.body().find("<script defer src=\"app.js\"></script>"), std::string::npos);
  EXPECT_EQ(page.body().find("<script>"), std::string::npos) << "inline script in the page";
  expect_security_headers(page);
  EXPECT_EQ(client_->get("/console/index.html").body(), page.body());

  auto js = client_->get("/console/app.js");
  ASSERT_EQ(js.result_int(), 200);
  EXPECT_EQ(header(js, "Content-Type"), "text/javascript; charset=utf-8");
  EXPECT_GT(js.body().size(), 10000u);
  expect_security_headers(js);
  const std::string etag = header(js, "ETag");
  ASSERT_GE(etag.size(), 3u);
  EXPECT_EQ(etag.front(), '"');
  EXPECT_NE(etag, header(page, "ETag"));

  auto css = client_->get("/console/app.css");
  ASSERT_EQ(css.result_int(), 200);
  EXPECT_EQ(header(css, "Content-Type"), "text/css; charset=utf-8");
}

TEST_F(ConsoleTest, AMatchingValidatorAnswersNotModified) {
  const std::string etag = header(client_->get("/console/app.js"), "ETag");
  for (const std::string& tags : {etag, "\"other\", W/" + etag, std::string("*")}) {
    auto r = client_->request(verb::verb::get, "/console/app.js", {}, {{"If-None-Match", tags}});
    EXPECT_EQ(r.result_int(), 304) << tags;
    EXPECT_TRUE(r.body().empty());
    EXPECT_EQ(header(r, "ETag"), etag);
  }
  auto stale =
      client_->request(verb::verb::get, "/console/app.js", {}, {{"If-None-Match", "\"not-it\""}});
  EXPECT_EQ(stale.result_int(), 200);
  EXPECT_FALSE(stale.body().empty());
}

TEST_F(ConsoleTest, UnknownFilesAreNotFound) {
  for (const std::string target :
       {"/console/nope.js", "/console/../report/report.html", "/console/app.js/x"}) {
    auto r = client_->get(target);
    EXPECT_EQ(r.result_int(), 404) << target;
    EXPECT_EQ(nlohmann::json::parse(r.body())["error"], "not_found") << target;
  }
  EXPECT_EQ(client_->post("/console/app.js", "x").result_int(), 405);
}

// The report page `wasmlet bench` fills in: one self-contained file with one place for the data.
TEST(WebAssets, ReportTemplateHasOnePlaceholder) {
  const web::Asset* report = web::find_asset("report/report.html");
  ASSERT_NE(report, nullptr);
  EXPECT_EQ(report->content_type, "text/html; charset=utf-8");
  const std::string_view placeholder = "__WASMLET_BENCH_DATA__";
  const size_t at = report->body.find(placeholder);
  ASSERT_NE(at, std::string_view::npos);
  EXPECT_EQ(report->body.find(placeholder, at + 1), std::string_view::npos);
  EXPECT_EQ(report->body.find("<script src="), std::string_view::npos);
  EXPECT_EQ(report->body.find("<link rel=\"stylesheet\""), std::string_view::npos);
  EXPECT_EQ(web::find_asset("report/nope.html"), nullptr);
}

}  // namespace
}  // namespace wasmlet
