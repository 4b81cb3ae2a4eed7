// Tenants and keys over HTTP on real sockets: every route under every kind of credential (none,
// malformed, unknown, revoked, another tenant's, the owner's, an admin's), public and shared
// objects, what each tenant can see (lists, calls, shared files, from guests too), quotas hit
// and recovered, and the audit log.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <spdlog/sinks/ringbuffer_sink.h>
#include <spdlog/spdlog.h>

#include <boost/asio/write.hpp>
#include <chrono>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <string>
#include <thread>

#include "auth/tenant_store.h"
#include "http_test_client.h"
#include "runtime/runtime.h"
#include "server/http_server.h"
#include "server/tenant_policy.h"
#include "test_support.h"
#include "util/files.h"
#include "workflow/workflow_registry.h"

namespace wasmlet {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using test::Headers;
using test::HttpResponse;
using namespace std::chrono_literals;
using boost::beast::http::verb;
using server::Access;

constexpr const char* kWorkflow = R"({
  "StartAt": "Only",
  "States": {"Only": {"Type": "Task", "Resource": "echo", "End": true}}
})";

std::string guest(const std::string& name) {
  auto bytes = test::guest_bytes(name);
  return {bytes.begin(), bytes.end()};
}

Headers bearer(const std::string& key) { return {{"Authorization", "Bearer " + key}}; }

class AccessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = std::make_unique<auth::TenantStore>(dir_.path());
    store_->add_tenant("alice", auth::Role::Tenant);
    store_->add_tenant("bob", auth::Role::Tenant);
    store_->add_tenant("root", auth::Role::Admin);
    alice_ = store_->create_key("alice", "test").text();
    bob_ = store_->create_key("bob", "test").text();
    root_ = store_->create_key("root", "test").text();
    auto revoked = store_->create_key("alice", "revoked");
    revoked_ = revoked.text();
    store_->revoke_key(revoked.id);
    policy_ = std::make_unique<server::StoreTenantPolicy>(*store_);

    runtime::RuntimeConfig rc;
    rc.data_dir = dir_.path();
    rc.executor_threads = 2;
    rc.limits.timeout = 10s;
    rc.shared_files_per_tenant = true;
    runtime_ = std::make_unique<runtime::Runtime>(rc);
    runtime_->set_tenant_policy(policy_.get());
    workflows_ = std::make_unique<workflow::WorkflowRegistry>(*runtime_, dir_.path() / "workflows");
    server::ServerConfig sc;
    sc.port = 0;
    sc.io_threads = 1;
    server_ = std::make_unique<server::HttpServer>(*runtime_, sc, workflows_.get(), store_.get());
    client_ = std::make_unique<test::HttpClient>(server_->port());
  }

  void TearDown() override {
    client_.reset();
    if (server_) server_->stop();
    if (runtime_) runtime_->shutdown();
    server_.reset();
    workflows_.reset();
    runtime_.reset();
  }

  HttpResponse call(verb method, const std::string& target, std::string body = {},
                    Headers headers = {}) {
    return client_->request(method, target, std::move(body), headers);
  }

  void upload(const std::string& key, const std::string& user, const std::string& name,
              const std::string& guest_name) {
    auto r = call(verb::put, "/v1/functions/" + user + "/" + name, guest(guest_name), bearer(key));
    ASSERT_EQ(r.result_int(), 200) << r.body();
  }

  HttpResponse invoke(const std::string& key, const std::string& function, std::string input) {
    return call(verb::post, "/v1/functions/" + function + ":invoke", std::move(input),
                key.empty() ? Headers{} : bearer(key));
  }

  util::TempDir dir_{fs::temp_directory_path(), "wasmlet-access-test"};
  std::unique_ptr<auth::TenantStore> store_;
  std::unique_ptr<server::StoreTenantPolicy> policy_;
  std::unique_ptr<runtime::Runtime> runtime_;
  std::unique_ptr<workflow::WorkflowRegistry> workflows_;
  std::unique_ptr<server::HttpServer> server_;
  std::unique_ptr<test::HttpClient> client_;
  std::string alice_, bob_, root_, revoked_;
};

// One request per route; `pattern` ties it to the route it exercises.
struct Row {
  verb method;
  std::string pattern;
  std::string target;
  std::string body;
  Access access;
  Headers extra = {};
};

enum class Cred { None, Malformed, Unknown, Revoked, Other, Owner, Admin };

const char* cred_name(Cred c) {
  switch (c) {
    case Cred::None:
      return "no key";
    case Cred::Malformed:
      return "malformed header";
    case Cred::Unknown:
      return "unknown key";
    case Cred::Revoked:
      return "revoked key";
    case Cred::Other:
      return "another tenant's key";
    case Cred::Owner:
      return "the owner's key";
    case Cred::Admin:
      return "an admin key";
  }
  return "";
}

// 401, 403, or anything else ("allowed": the handler ran and answered for itself).
enum class Outcome { Unauthenticated, Forbidden, Allowed };

Outcome expected(Access access, Cred cred) {
  if (access == Access::Open) return Outcome::Allowed;
  switch (cred) {
    case Cred::None:
    case Cred::Malformed:
    case Cred::Unknown:
    case Cred::Revoked:
      return Outcome::Unauthenticated;
    case Cred::Other:
      return access == Access::Tenant ? Outcome::Allowed : Outcome::Forbidden;
    case Cred::Owner:
      return access == Access::Admin ? Outcome::Forbidden : Outcome::Allowed;
    case Cred::Admin:
      return Outcome::Allowed;
  }
  return Outcome::Allowed;
}

TEST_F(AccessTest, EveryRouteUnderEveryCredential) {
  upload(alice_, "alice", "echo", "echo");
  ASSERT_EQ(call(verb::put, "/v1/workflows/alice/wf", kWorkflow, bearer(alice_)).result_int(), 200);
  const std::string faasm_call = R"({"user":"alice","function":"echo","input_data":"eA=="})";
  const std::vector<Row> rows = {
      {verb::get, "/healthz", "/healthz", "", Access::Open},
      {verb::get, "/ping", "/ping", "", Access::Open},
      {verb::get, "/console/{**}", "/console/", "", Access::Open},
      {verb::get, "/metrics", "/metrics", "", Access::Admin},
      {verb::get, "/v1/python", "/v1/python", "", Access::Tenant},
      {verb::get, "/v1/functions", "/v1/functions", "", Access::Tenant},
      {verb::get, "/v1/functions/{}/{}", "/v1/functions/alice/echo", "", Access::Owner},
      {verb::put, "/v1/functions/{}/{}", "/v1/functions/alice/echo2", guest("echo"), Access::Owner},
      {verb::delete_, "/v1/functions/{}/{}", "/v1/functions/alice/gone", "", Access::Owner},
      {verb::post, "/v1/functions/{}/{}:invoke", "/v1/functions/alice/echo:invoke", "hi",
       Access::Invoke},
      {verb::get, "/v1/calls/{}", "/v1/calls/1", "", Access::Tenant},
      {verb::get, "/v1/calls", "/v1/calls?limit=5", "", Access::Tenant},
      {verb::get, "/v1/whoami", "/v1/whoami", "", Access::Tenant},
      {verb::get, "/v1/stats", "/v1/stats", "", Access::Tenant},
      {verb::get, "/v1/cluster", "/v1/cluster", "", Access::Tenant},
      {verb::get, "/v1/state/{}", "/v1/state/alice", "", Access::Owner},
      {verb::get, "/v1/state/{}/{}", "/v1/state/alice/k", "", Access::Owner},
      {verb::put, "/v1/state/{}/{}", "/v1/state/alice/k", "v", Access::Owner},
      {verb::put, "/f/{}/{}", "/f/alice/echo3", guest("echo"), Access::Owner},
      {verb::put, "/p/{}/{}", "/p/alice/py", "def main(x): return x", Access::Owner},
      {verb::get, "/s/{}/{}", "/s/alice/k", "", Access::Owner},
      {verb::put, "/s/{}/{}", "/s/alice/k", "v", Access::Owner},
      {verb::put, "/file", "/file", "data", Access::Tenant, {{"FilePath", "f.txt"}}},
      {verb::get, "/file", "/file", "", Access::Tenant, {{"FilePath", "f.txt"}}},
      // The body names alice's function: anyone but alice (or an admin) is refused.
      {verb::post, "/", "/", faasm_call, Access::Owner},
      {verb::get, "/v1/apps", "/v1/apps", "", Access::Tenant},
      {verb::get, "/v1/apps/{}/{}", "/v1/apps/alice/app", "", Access::Owner},
      {verb::put, "/v1/apps/{}/{}", "/v1/apps/alice/app", "{}", Access::Owner},
      {verb::delete_, "/v1/apps/{}/{}", "/v1/apps/alice/app", "", Access::Owner},
      {verb::get, "/apps/{}/{}/{**}", "/apps/alice/app/x", "", Access::Invoke},
      {verb::get, "/v1/workflows", "/v1/workflows", "", Access::Tenant},
      {verb::get, "/v1/workflows/{}/{}", "/v1/workflows/alice/wf", "", Access::Owner},
      {verb::put, "/v1/workflows/{}/{}", "/v1/workflows/alice/wf", kWorkflow, Access::Owner},
      {verb::delete_, "/v1/workflows/{}/{}", "/v1/workflows/alice/nope", "", Access::Owner},
      {verb::post, "/v1/workflows/{}/{}:invoke", "/v1/workflows/alice/wf:invoke", "{}",
       Access::Invoke},
      {verb::put, "/v1/functions/{}/{}/public", "/v1/functions/alice/echo/public",
       R"({"public":false})", Access::Owner},
      {verb::put, "/v1/apps/{}/{}/public", "/v1/apps/alice/app/public", R"({"public":false})",
       Access::Owner},
      {verb::put, "/v1/workflows/{}/{}/public", "/v1/workflows/alice/wf/public",
       R"({"public":false})", Access::Owner},
      {verb::put, "/v1/functions/{}/{}/shares/{}", "/v1/functions/alice/echo/shares/carol",
       R"({"shared":false})", Access::Owner},
      {verb::get, "/v1/admin/tenants", "/v1/admin/tenants", "", Access::Admin},
      {verb::put, "/v1/admin/tenants/{}", "/v1/admin/tenants/dave", R"({"role":"tenant"})",
       Access::Admin},
      {verb::delete_, "/v1/admin/tenants/{}", "/v1/admin/tenants/ghost", "", Access::Admin},
      {verb::get, "/v1/admin/tenants/{}/quotas", "/v1/admin/tenants/alice/quotas", "",
       Access::Admin},
      {verb::put, "/v1/admin/tenants/{}/quotas", "/v1/admin/tenants/alice/quotas", "{}",
       Access::Admin},
      {verb::post, "/v1/admin/tenants/{}/keys", "/v1/admin/tenants/dave/keys", R"({"label":"x"})",
       Access::Admin},
      {verb::get, "/v1/admin/keys", "/v1/admin/keys", "", Access::Admin},
      {verb::delete_, "/v1/admin/keys/{}", "/v1/admin/keys/0000000000000000", "", Access::Admin},
      {verb::put, "/v1/admin/grants/public/{}/{}/{}", "/v1/admin/grants/public/function/alice/echo",
       R"({"public":false})", Access::Admin},
      {verb::put, "/v1/admin/grants/share/{}/{}/{}", "/v1/admin/grants/share/alice/echo/carol",
       R"({"shared":false})", Access::Admin},
  };

  // Every route of the server is in the table, so a new route cannot go untested.
  std::set<std::pair<std::string, verb>> covered;
  for (const auto& row : rows) covered.emplace(row.pattern, row.method);
  for (const auto& route : server_->routes()) {
    if (route.methods.empty()) {
      EXPECT_TRUE(covered.contains({route.pattern, verb::get})) << route.pattern;
      continue;
    }
    for (verb m : route.methods) {
      EXPECT_TRUE(covered.contains({route.pattern, m}))
          << "untested route " << boost::beast::http::to_string(m) << " " << route.pattern;
    }
  }

  const std::string unknown = "wlk_0123456789abcdef_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
  for (Cred cred : {Cred::None, Cred::Malformed, Cred::Unknown, Cred::Revoked, Cred::Other,
                    Cred::Owner, Cred::Admin}) {
    for (const auto& row : rows) {
      Headers headers = row.extra;
      switch (cred) {
        case Cred::None:
          break;
        case Cred::Malformed:
          headers.emplace_back("Authorization", "Bearer not-a-key");
          break;
        case Cred::Unknown:
          headers.emplace_back("Authorization", "Bearer " + unknown);
          break;
        case Cred::Revoked:
          headers.emplace_back("Authorization", "Bearer " + revoked_);
          break;
        case Cred::Other:
          headers.emplace_back("Authorization", "Bearer " + bob_);
          break;
        case Cred::Owner:
          headers.emplace_back("Authorization", "Bearer " + alice_);
          break;
        case Cred::Admin:
          headers.emplace_back("Authorization", "Bearer " + root_);
          break;
      }
      Outcome want = expected(row.access, cred);
      auto r = call(row.method, row.target, row.body, headers);
      int got = r.result_int();
      std::string where = std::string(boost::beast::http::to_string(row.method)) + " " +
                          row.target + " with " + cred_name(cred) + ": " + r.body();
      switch (want) {
        case Outcome::Unauthenticated:
          EXPECT_EQ(got, 401) << where;
          EXPECT_FALSE(r[boost::beast::http::field::www_authenticate].empty()) << where;
          break;
        case Outcome::Forbidden:
          EXPECT_EQ(got, 403) << where;
          break;
        case Outcome::Allowed:
          EXPECT_NE(got, 401) << where;
          EXPECT_NE(got, 403) << where;
          break;
      }
    }
  }
}

// The console's views: each tenant sees its own functions' figures, calls and keys; an admin
// sees everyone's.
TEST_F(AccessTest, ConsoleViewsShowATenantItsOwn) {
  upload(alice_, "alice", "echo", "echo");
  upload(bob_, "bob", "echo", "echo");
  for (int i = 0; i < 3; ++i) ASSERT_EQ(invoke(alice_, "alice/echo", "a").result_int(), 200);
  ASSERT_EQ(invoke(bob_, "bob/echo", "b").result_int(), 200);
  ASSERT_EQ(call(verb::put, "/v1/state/alice/k1", "12345", bearer(alice_)).result_int(), 204);
  ASSERT_EQ(call(verb::put, "/v1/state/bob/k2", "x", bearer(bob_)).result_int(), 204);

  auto who = json::parse(call(verb::get, "/v1/whoami", "", bearer(alice_)).body());
  EXPECT_EQ(who, json({{"tenant", "alice"}, {"role", "tenant"}, {"open", false}}));
  EXPECT_EQ(json::parse(call(verb::get, "/v1/whoami", "", bearer(root_)).body())["role"], "admin");

  auto stats = json::parse(call(verb::get, "/v1/stats", "", bearer(alice_)).body());
  ASSERT_EQ(stats["functions"].size(), 1u) << stats.dump();
  const json& echo = stats["functions"][0];
  EXPECT_EQ(echo["id"], "alice/echo");
  EXPECT_EQ(echo["calls"], 3);
  EXPECT_EQ(echo["failures"], 0);
  EXPECT_GT(echo["p50_us"].get<double>(), 0);
  EXPECT_GE(echo["p99_us"].get<double>(), echo["p50_us"].get<double>());
  EXPECT_GE(echo["restores"].get<int>(), 3);       // a reset after every call, at least
  EXPECT_GE(echo["live_faaslets"].get<int>(), 1);  // one kept warm in the pool
  EXPECT_EQ(echo["warm"], true);
  EXPECT_EQ(stats["totals"]["calls"], 3);
  EXPECT_EQ(stats["totals"]["queue_depth"], 0);
  auto all = json::parse(call(verb::get, "/v1/stats", "", bearer(root_)).body());
  EXPECT_EQ(all["functions"].size(), 2u);
  EXPECT_EQ(all["totals"]["calls"], 4);

  auto calls = json::parse(call(verb::get, "/v1/calls", "", bearer(bob_)).body())["calls"];
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0]["function"], "bob/echo");
  EXPECT_EQ(calls[0]["status"], "succeeded");
  EXPECT_FALSE(calls[0].contains("output"));  // summaries only
  calls = json::parse(call(verb::get, "/v1/calls?limit=2", "", bearer(alice_)).body())["calls"];
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_GT(calls[0]["id"].get<uint64_t>(), calls[1]["id"].get<uint64_t>());  // newest first
  calls = json::parse(
      call(verb::get, "/v1/calls?function=bob/echo", "", bearer(root_)).body())["calls"];
  EXPECT_EQ(calls.size(), 1u);
  EXPECT_EQ(call(verb::get, "/v1/calls?limit=0", "", bearer(root_)).result_int(), 400);
  EXPECT_EQ(call(verb::get, "/v1/calls?limit=x", "", bearer(root_)).result_int(), 400);
  EXPECT_EQ(call(verb::get, "/v1/calls?function=nouser", "", bearer(root_)).result_int(), 400);

  auto keys = json::parse(call(verb::get, "/v1/state/alice", "", bearer(alice_)).body());
  EXPECT_EQ(keys, json({{"keys", {{{"key", "k1"}, {"bytes", 5}}}}}));
  EXPECT_EQ(call(verb::get, "/v1/state/bob", "", bearer(alice_)).result_int(), 403);
}

TEST_F(AccessTest, RefusalsDoNotTellWhetherTheObjectExists) {
  upload(alice_, "alice", "echo", "echo");
  for (const char* name : {"echo", "no-such-function"}) {
    auto r = invoke(bob_, std::string("alice/") + name, "x");
    EXPECT_EQ(r.result_int(), 403) << name;
    EXPECT_EQ(json::parse(r.body())["error"], "forbidden");
    EXPECT_EQ(json::parse(r.body())["message"],
              std::string("tenant 'bob' may not invoke function:alice/") + name);
    EXPECT_EQ(invoke("", std::string("alice/") + name, "x").result_int(), 401) << name;
  }
}

TEST_F(AccessTest, PublicFunctionsNeedNoKey) {
  upload(alice_, "alice", "echo", "echo");
  EXPECT_EQ(invoke("", "alice/echo", "x").result_int(), 401);
  const std::string on = R"({"public":true})", off = R"({"public":false})";
  EXPECT_EQ(call(verb::put, "/v1/functions/alice/echo/public", on, bearer(bob_)).result_int(), 403);
  ASSERT_EQ(call(verb::put, "/v1/functions/alice/echo/public", on, bearer(alice_)).result_int(),
            204);
  auto r = invoke("", "alice/echo", "anyone");
  EXPECT_EQ(r.result_int(), 200);
  EXPECT_EQ(r.body(), "anyone");
  EXPECT_EQ(invoke(bob_, "alice/echo", "bob").body(), "bob");
  // A web client's own credentials are not a Wasmlet key: the call is anonymous.
  EXPECT_EQ(call(verb::post, "/v1/functions/alice/echo:invoke", "basic",
                 {{"Authorization", "Basic dXNlcjpwYXNz"}})
                .result_int(),
            200);
  // A Wasmlet key that is not (or no longer) good is refused even here.
  EXPECT_EQ(invoke(revoked_, "alice/echo", "x").result_int(), 401);
  // Faasm's API too.
  auto faasm = call(verb::post, "/", R"({"user":"alice","function":"echo","input_data":"Zg=="})");
  EXPECT_EQ(faasm.result_int(), 200) << faasm.body();
  // Public to invoke is not public to read or change.
  EXPECT_EQ(call(verb::get, "/v1/functions/alice/echo").result_int(), 401);
  EXPECT_EQ(call(verb::delete_, "/v1/functions/alice/echo", "", bearer(bob_)).result_int(), 403);

  ASSERT_EQ(call(verb::put, "/v1/functions/alice/echo/public", off, bearer(alice_)).result_int(),
            204);
  EXPECT_EQ(invoke("", "alice/echo", "x").result_int(), 401);

  // Deleting a function drops its grants: a new one of the same name is private.
  ASSERT_EQ(call(verb::put, "/v1/functions/alice/echo/public", on, bearer(alice_)).result_int(),
            204);
  ASSERT_EQ(call(verb::delete_, "/v1/functions/alice/echo", "", bearer(alice_)).result_int(), 204);
  upload(alice_, "alice", "echo", "echo");
  EXPECT_EQ(invoke("", "alice/echo", "x").result_int(), 401);
}

TEST_F(AccessTest, SharedFunctionsCanBeCalledAndChainedByTheirGrantee) {
  upload(alice_, "alice", "echo", "echo");
  upload(bob_, "bob", "chain", "chain_input");
  EXPECT_EQ(invoke(bob_, "alice/echo", "x").result_int(), 403);
  auto refused = invoke(bob_, "bob/chain", "alice/echo:hello");
  EXPECT_NE(refused.body(), "rc=0;out=hello");

  ASSERT_EQ(
      call(verb::put, "/v1/functions/alice/echo/shares/bob", R"({"shared":true})", bearer(alice_))
          .result_int(),
      204);
  EXPECT_EQ(invoke(bob_, "alice/echo", "x").body(), "x");
  auto chained = invoke(bob_, "bob/chain", "alice/echo:hello");
  EXPECT_EQ(chained.result_int(), 200) << chained.body();
  EXPECT_EQ(chained.body(), "rc=0;out=hello");
  // Shared with bob is not shared with anyone else, nor is it bob's to change.
  EXPECT_EQ(call(verb::delete_, "/v1/functions/alice/echo", "", bearer(bob_)).result_int(), 403);
}

// A call belongs to the tenant that made it, not to the owner of the function it ran: bob's
// calls of alice's shared function are bob's to see, count against bob's kept records, and
// cannot push alice's own results out.
TEST_F(AccessTest, AGranteesCallsAreItsOwnNotTheFunctionOwners) {
  upload(alice_, "alice", "echo", "echo");
  upload(bob_, "bob", "chain", "chain_input");
  ASSERT_EQ(
      call(verb::put, "/v1/functions/alice/echo/shares/bob", R"({"shared":true})", bearer(alice_))
          .result_int(),
      204);
  auto finished = [&](const std::string& key, uint64_t id) {
    std::string target = "/v1/calls/" + std::to_string(id);
    for (int i = 0; i < 400; ++i) {
      auto r = call(verb::get, target, "", bearer(key));
      if (r.result_int() != 200 || json::parse(r.body())["status"] == "succeeded") return r;
      std::this_thread::sleep_for(10ms);
    }
    return call(verb::get, target, "", bearer(key));
  };
  auto async = [&](const std::string& key, const std::string& function) {
    auto r = call(verb::post, "/v1/functions/" + function + ":invoke?async=1", "x", bearer(key));
    EXPECT_EQ(r.result_int(), 202) << r.body();
    return json::parse(r.body())["id"].get<uint64_t>();
  };
  uint64_t alices = async(alice_, "alice/echo");
  ASSERT_EQ(finished(alice_, alices).result_int(), 200);
  uint64_t bobs = async(bob_, "alice/echo");
  auto seen = finished(bob_, bobs);
  ASSERT_EQ(seen.result_int(), 200) << seen.body();
  EXPECT_EQ(json::parse(seen.body())["output"], "x");
  EXPECT_EQ(call(verb::get, "/v1/calls/" + std::to_string(bobs), "", bearer(alice_)).result_int(),
            404);
  auto listed = [&](const std::string& key) {
    std::set<uint64_t> ids;
    json list = json::parse(call(verb::get, "/v1/calls", "", bearer(key)).body());
    for (const auto& c : list["calls"]) {
      ids.insert(c["id"].get<uint64_t>());
    }
    return ids;
  };
  EXPECT_TRUE(listed(bob_).contains(bobs));
  EXPECT_FALSE(listed(alice_).contains(bobs));
  EXPECT_TRUE(listed(alice_).contains(alices));
  // What bob's function chains to alice's is bob's call too.
  ASSERT_EQ(invoke(bob_, "bob/chain", "alice/echo:hello").body(), "rc=0;out=hello");
  for (uint64_t id : listed(alice_)) EXPECT_EQ(id, alices);

  // More calls than a tenant keeps records of (2,000): bob's own records go, not alice's.
  for (int i = 0; i < 2100; ++i) ASSERT_EQ(invoke(bob_, "alice/echo", "y").result_int(), 200);
  EXPECT_EQ(call(verb::get, "/v1/calls/" + std::to_string(alices), "", bearer(alice_)).result_int(),
            200);
  EXPECT_EQ(call(verb::get, "/v1/calls/" + std::to_string(bobs), "", bearer(bob_)).result_int(),
            404);
}

TEST_F(AccessTest, EachTenantSeesOnlyItsOwnThings) {
  upload(alice_, "alice", "echo", "echo");
  upload(bob_, "bob", "echo", "echo");
  auto list = json::parse(call(verb::get, "/v1/functions", "", bearer(bob_)).body());
  ASSERT_EQ(list.size(), 1u) << list.dump();
  EXPECT_EQ(list[0]["id"], "bob/echo");
  EXPECT_EQ(json::parse(call(verb::get, "/v1/functions", "", bearer(root_)).body()).size(), 2u);

  // Calls: another tenant's call id answers as an unknown one does.
  auto accepted = call(verb::post, "/v1/functions/alice/echo:invoke?async=1", "x", bearer(alice_));
  ASSERT_EQ(accepted.result_int(), 202);
  uint64_t id = json::parse(accepted.body())["id"];
  std::string target = "/v1/calls/" + std::to_string(id);
  auto mine = call(verb::get, target, "", bearer(alice_));
  EXPECT_EQ(mine.result_int(), 200);
  auto theirs = call(verb::get, target, "", bearer(bob_));
  EXPECT_EQ(theirs.result_int(), 404);
  EXPECT_EQ(call(verb::get, "/v1/calls/999999", "", bearer(bob_)).result_int(), 404);
  std::string status = R"({"status":true,"id":)" + std::to_string(id) + "}";
  EXPECT_EQ(call(verb::post, "/", status, bearer(bob_)).result_int(), 404);
  EXPECT_EQ(call(verb::post, "/", status, bearer(alice_)).result_int(), 200);

  // Shared files: each tenant has its own, from HTTP and from its guests.
  Headers alice_file = bearer(alice_), bob_file = bearer(bob_);
  alice_file.emplace_back("FilePath", "notes.txt");
  bob_file.emplace_back("FilePath", "notes.txt");
  ASSERT_EQ(call(verb::put, "/file", "alice's notes", alice_file).result_int(), 200);
  EXPECT_EQ(call(verb::get, "/file", "", bob_file).result_int(), 404);
  EXPECT_EQ(call(verb::get, "/file", "", alice_file).body(), "alice's notes");
  upload(alice_, "alice", "files", "faasm_files");
  upload(bob_, "bob", "files", "faasm_files");
  ASSERT_EQ(invoke(alice_, "alice/files", "share:alice-secret").result_int(), 200);
  EXPECT_EQ(invoke(alice_, "alice/files", "read").body(), "alice-secret");
  EXPECT_EQ(invoke(bob_, "bob/files", "read").body().find("alice-secret"), std::string::npos);
}

TEST_F(AccessTest, RateQuotaRefusesWithRetryAfterAndRecovers) {
  upload(alice_, "alice", "echo", "echo");
  upload(bob_, "bob", "echo", "echo");
  auto r = call(verb::put, "/v1/admin/tenants/alice/quotas",
                R"({"calls_per_second": 1, "burst": 2})", bearer(root_));
  ASSERT_EQ(r.result_int(), 200) << r.body();
  EXPECT_EQ(invoke(alice_, "alice/echo", "1").result_int(), 200);
  EXPECT_EQ(invoke(alice_, "alice/echo", "2").result_int(), 200);
  auto refused = invoke(alice_, "alice/echo", "3");
  ASSERT_EQ(refused.result_int(), 429) << refused.body();
  EXPECT_EQ(json::parse(refused.body())["error"], "rate_limited");
  int retry = std::stoi(std::string(refused[boost::beast::http::field::retry_after]));
  EXPECT_GE(retry, 1);
  // Another tenant is not affected.
  EXPECT_EQ(invoke(bob_, "bob/echo", "b").result_int(), 200);
  std::this_thread::sleep_for(std::chrono::seconds(retry));
  EXPECT_EQ(invoke(alice_, "alice/echo", "4").result_int(), 200);
}

TEST_F(AccessTest, ConcurrencyQuotaCountsCallsUntilTheyFinish) {
  upload(alice_, "alice", "sleeper", "sleeper");
  upload(alice_, "alice", "echo", "echo");
  ASSERT_EQ(call(verb::put, "/v1/admin/tenants/alice/quotas", R"({"max_concurrent_calls": 1})",
                 bearer(root_))
                .result_int(),
            200);
  auto accepted =
      call(verb::post, "/v1/functions/alice/sleeper:invoke?async=1", "", bearer(alice_));
  ASSERT_EQ(accepted.result_int(), 202);
  auto refused = invoke(alice_, "alice/echo", "x");
  ASSERT_EQ(refused.result_int(), 429) << refused.body();
  EXPECT_EQ(json::parse(refused.body())["error"], "too_many_calls");
  EXPECT_FALSE(refused[boost::beast::http::field::retry_after].empty());
  std::string status = "/v1/calls/" + json::parse(accepted.body())["id"].dump();
  for (int i = 0; i < 200; ++i) {
    auto s = json::parse(call(verb::get, status, "", bearer(alice_)).body());
    if (s["status"] == "succeeded" || s["status"] == "failed") break;
    std::this_thread::sleep_for(50ms);
  }
  EXPECT_EQ(invoke(alice_, "alice/echo", "y").result_int(), 200);
}

TEST_F(AccessTest, UploadQuotasAndLimitCeilings) {
  ASSERT_EQ(call(verb::put, "/v1/admin/tenants/alice/quotas",
                 R"({"max_functions": 2, "max_timeout_ms": 1000, "max_memory_bytes": 16777216})",
                 bearer(root_))
                .result_int(),
            200);
  upload(alice_, "alice", "spin", "spin");
  upload(alice_, "alice", "membomb", "membomb");
  auto third = call(verb::put, "/v1/functions/alice/echo", guest("echo"), bearer(alice_));
  EXPECT_EQ(third.result_int(), 403);
  EXPECT_EQ(json::parse(third.body())["error"], "quota_exceeded");
  // Replacing one is not a third function.
  EXPECT_EQ(call(verb::put, "/v1/functions/alice/spin", guest("spin"), bearer(alice_)).result_int(),
            200);

  // The time limit is the tenant's ceiling, not the server's 10 s.
  auto spin = json::parse(invoke(alice_, "alice/spin", "").body());
  EXPECT_EQ(spin["error_kind"], "timeout") << spin.dump();
  // So is the memory limit: the bomb stops under 16 MiB (touching them takes far less than the
  // time limit, even on a loaded machine).
  auto bomb = invoke(alice_, "alice/membomb", "").body();
  std::smatch got;
  ASSERT_TRUE(std::regex_search(bomb, got, std::regex("allocated ([0-9]+) MiB"))) << bomb;
  EXPECT_LT(std::stoul(got[1]), 16u) << bomb;
}

// Uploads in progress count with what is stored: eight at once cannot pass a quota of two
// functions, or of two functions' bytes, between them.
TEST_F(AccessTest, UploadsAtOnceCannotPassTheQuotasBetweenThem) {
  const std::string echo = guest("echo");
  for (std::string quotas : {std::string(R"({"max_functions": 2})"),
                             fmt::format(R"({{"max_functions": 100, "max_function_bytes": {}}})",
                                         echo.size() * 5 / 2)}) {
    ASSERT_EQ(call(verb::put, "/v1/admin/tenants/alice/quotas", quotas, bearer(root_)).result_int(),
              200);
    std::vector<std::thread> threads;
    std::vector<int> statuses(8);
    for (int i = 0; i < 8; ++i) {
      threads.emplace_back([&, i] {
        // A connection of its own: the fixture's client is one connection.
        statuses[i] =
            test::http_request(server_->port(), verb::put,
                               fmt::format("/v1/functions/alice/f{}", i), echo, bearer(alice_))
                .result_int();
      });
    }
    for (auto& t : threads) t.join();
    int stored = 0;
    for (int s : statuses) {
      EXPECT_TRUE(s == 200 || s == 403 || s == 429) << s;
      stored += s == 200;
    }
    EXPECT_GE(stored, 1) << quotas;
    EXPECT_LE(stored, 2) << quotas;
    auto list = json::parse(call(verb::get, "/v1/functions", "", bearer(alice_)).body());
    EXPECT_EQ(static_cast<int>(list.size()), stored) << list.dump();
    for (int i = 0; i < 8; ++i) {
      call(verb::delete_, fmt::format("/v1/functions/alice/f{}", i), "", bearer(alice_));
    }
  }
  // A function being replaced while others upload counts once; uploads one after another never
  // find the last one still pending.
  ASSERT_EQ(
      call(verb::put, "/v1/admin/tenants/alice/quotas", R"({"max_functions": 2})", bearer(root_))
          .result_int(),
      200);
  for (int round = 0; round < 3; ++round) {
    std::thread replace([&] {
      EXPECT_EQ(test::http_request(server_->port(), verb::put, "/v1/functions/alice/a", echo,
                                   bearer(alice_))
                    .result_int(),
                200);
    });
    auto b = call(verb::put, "/v1/functions/alice/b", echo, bearer(alice_));
    replace.join();
    EXPECT_EQ(b.result_int(), 200) << b.body();
  }
}

TEST_F(AccessTest, SharedFileQuotaBoundsWhatATenantStores) {
  ASSERT_EQ(call(verb::put, "/v1/admin/tenants/alice/quotas", R"({"max_file_bytes": 12288})",
                 bearer(root_))
                .result_int(),
            200);
  auto put = [&](const std::string& key, const std::string& path, size_t size) {
    auto headers = bearer(key);
    headers.emplace_back("FilePath", path);
    return call(verb::put, "/file", std::string(size, 'f'), headers);
  };
  EXPECT_EQ(put(alice_, "a/x", 10).result_int(), 200);  // a directory and a file: two blocks
  EXPECT_EQ(put(alice_, "a/y", 4000).result_int(), 200);
  auto over = put(alice_, "z", 1);
  EXPECT_EQ(over.result_int(), 403) << over.body();
  EXPECT_NE(over.body().find("at most 12288 bytes"), std::string::npos) << over.body();
  EXPECT_EQ(put(alice_, "a/y", 4096).result_int(), 200);  // a replacement within the quota
  EXPECT_EQ(put(alice_, "a/y", 4097).result_int(), 403);
  // Bob's files are his own.
  EXPECT_EQ(put(bob_, "z", 100'000).result_int(), 200);
}

// What a tenant's functions write through faasm:// counts against the same quota as its PUT
// /file uploads: neither can fill the disk past it, nor go around it through the other.
TEST_F(AccessTest, FunctionsFaasmWritesCountAgainstTheSharedFileQuota) {
  upload(alice_, "alice", "writer", "faasm_file_writer");
  ASSERT_EQ(call(verb::put, "/v1/admin/tenants/alice/quotas", R"({"max_file_bytes": 16384})",
                 bearer(root_))
                .result_int(),
            200);
  auto write = [&](const std::string& what) { return invoke(alice_, "alice/writer", what).body(); };
  EXPECT_EQ(write("f1 6000"), "ok");
  EXPECT_EQ(write("f2 6000"), "ok");
  EXPECT_EQ(write("f3 6000").rfind("error close", 0), 0u);  // 18,000 bytes: past the quota
  auto headers = bearer(alice_);
  headers.emplace_back("FilePath", "from_client");
  auto put = call(verb::put, "/file", std::string(5000, 'c'), headers);
  EXPECT_EQ(put.result_int(), 403) << put.body();
  // Replacing a file with a smaller one frees its room, for either writer.
  EXPECT_EQ(write("f2 10"), "ok");  // now a block
  EXPECT_EQ(call(verb::put, "/file", std::string(5000, 'c'), headers).result_int(), 200);
  EXPECT_EQ(runtime_->shared_file_usage().bytes(runtime_->shared_dir("alice")),
            6000u + 4096 + 5000);
}

// A request whose body has yet to come is refused from its head: the server does not read
// 50 MB for a client without a key, or with one that may not send it.
TEST_F(AccessTest, RefusalsComeBeforeALargeBodyIsRead) {
  auto exchange = [&](const std::string& head) {
    boost::asio::io_context ioc;
    auto socket = test::connect_local(ioc, server_->port());
    boost::asio::write(socket, boost::asio::buffer(head));
    return test::read_until_closed(socket);  // answered without the body ever being sent
  };
  const std::string upload =
      "PUT /v1/functions/alice/big HTTP/1.1\r\nHost: x\r\nContent-Length: 50000000\r\n";
  std::string anonymous = exchange(upload + "\r\n");
  EXPECT_TRUE(anonymous.starts_with("HTTP/1.1 401")) << anonymous;
  EXPECT_NE(anonymous.find("WWW-Authenticate"), std::string::npos) << anonymous;
  std::string other = exchange(upload + "Authorization: Bearer " + bob_ + "\r\n\r\n");
  EXPECT_TRUE(other.starts_with("HTTP/1.1 403")) << other;
  // Asked for a 100 Continue, the client gets the refusal instead.
  std::string expecting = exchange(upload + "Expect: 100-continue\r\n\r\n");
  EXPECT_TRUE(expecting.starts_with("HTTP/1.1 401")) << expecting;
  // Chunked: no length to go by.
  std::string chunked =
      exchange("PUT /f/alice/big HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n");
  EXPECT_TRUE(chunked.starts_with("HTTP/1.1 401")) << chunked;
  // The owner's upload goes through as before.
  EXPECT_EQ(call(verb::put, "/v1/functions/alice/big", guest("echo"), bearer(alice_)).result_int(),
            200);
}

TEST_F(AccessTest, StateQuotaBoundsWhatATenantHolds) {
  ASSERT_EQ(call(verb::put, "/v1/admin/tenants/alice/quotas", R"({"max_state_bytes": 1000})",
                 bearer(root_))
                .result_int(),
            200);
  EXPECT_EQ(
      call(verb::put, "/v1/state/alice/a", std::string(600, 'a'), bearer(alice_)).result_int(),
      204);
  auto over = call(verb::put, "/v1/state/alice/b", std::string(600, 'b'), bearer(alice_));
  EXPECT_EQ(over.result_int(), 403) << over.body();
  EXPECT_EQ(json::parse(over.body())["error"], "quota_exceeded");
  EXPECT_EQ(call(verb::get, "/v1/state/alice/b", "", bearer(alice_)).result_int(), 404);
  // Bob's share is his own.
  EXPECT_EQ(call(verb::put, "/v1/state/bob/b", std::string(600, 'b'), bearer(bob_)).result_int(),
            204);
  // Replacing a value counts its new size only.
  EXPECT_EQ(
      call(verb::put, "/v1/state/alice/a", std::string(900, 'a'), bearer(alice_)).result_int(),
      204);
}

TEST_F(AccessTest, AdminBodiesOfTheWrongShapeAre400) {
  const std::string deep =
      R"({"role":"tenant","x":)" + std::string(64, '[') + std::string(64, ']') + "}";
  for (std::string body : {std::string(R"({"role":5})"), std::string(R"({"role":"root"})"),
                           std::string("[1]"), std::string("{"), deep}) {
    auto r = call(verb::put, "/v1/admin/tenants/dave", body, bearer(root_));
    EXPECT_EQ(r.result_int(), 400) << body << ": " << r.body();
  }
  for (const char* body : {R"({"label":5})", R"({"label":["x"]})"}) {
    auto r = call(verb::post, "/v1/admin/tenants/alice/keys", body, bearer(root_));
    EXPECT_EQ(r.result_int(), 400) << body << ": " << r.body();
  }
  EXPECT_EQ(call(verb::post, "/v1/admin/tenants/alice/keys", R"({"label":"ci"})", bearer(root_))
                .result_int(),
            201);
}

TEST_F(AccessTest, ChangesAndRefusalsAreAudited) {
  auto sink = std::make_shared<spdlog::sinks::ringbuffer_sink_mt>(64);
  auto audit = spdlog::get("audit");
  if (!audit) {
    audit = std::make_shared<spdlog::logger>("audit");
    spdlog::register_logger(audit);
  }
  audit->sinks().push_back(sink);
  upload(alice_, "alice", "echo", "echo");
  invoke(bob_, "alice/echo", "x");
  audit->sinks().pop_back();

  bool upload_line = false, refused_line = false;
  for (const auto& line : sink->last_formatted()) {
    auto start = line.find('{');
    ASSERT_NE(start, std::string::npos) << line;
    auto j = json::parse(line.substr(start, line.rfind('}') - start + 1));
    if (j["audit"] == "upload" && j["object"] == "function:alice/echo") {
      upload_line = j["tenant"] == "alice" && j["outcome"] == "ok" && j["status"] == 200;
    }
    if (j["audit"] == "refused" && j["object"] == "function:alice/echo") {
      refused_line = j["tenant"] == "bob" && j["outcome"] == "forbidden" && j["status"] == 403;
    }
  }
  EXPECT_TRUE(upload_line);
  EXPECT_TRUE(refused_line);
}

}  // namespace
}  // namespace wasmlet
