// server/http_frame, server/url_rule and server/web_apps: the framing of a web app's requests
// and replies, the Werkzeug rules Wasmlet matches itself, and the stored app manifests.
#include <gtest/gtest.h>

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "server/http_frame.h"
#include "server/replies.h"
#include "server/url_rule.h"
#include "server/web_apps.h"
#include "test_support.h"

namespace wasmlet::server {
namespace {

using nlohmann::json;

std::string u32(uint32_t v) {
  std::string out;
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
  return out;
}

std::string frame(std::initializer_list<std::string> items) {
  std::string out = "WSF1" + u32(static_cast<uint32_t>(items.size()));
  for (const auto& item : items) out += u32(static_cast<uint32_t>(item.size())) + item;
  return out;
}

TEST(HttpFrame, DecodesAResponseWithRepeatedHeaders) {
  auto r = decode_web_response(
      frame({"response", "201", std::string("a\0b", 3), "Set-Cookie", "a=1", "Set-Cookie", "b=2"}));
  EXPECT_EQ(r.kind, "response");
  EXPECT_EQ(r.status, 201u);
  EXPECT_EQ(r.body, std::string("a\0b", 3));
  ASSERT_EQ(r.headers.size(), 2u);
  EXPECT_EQ(r.headers[1].second, "b=2");
}

TEST(HttpFrame, RefusesMalformedReplies) {
  const std::string good = frame({"response", "200", "body"});
  const std::string bad[] = {
      "",
      "WSF1",
      "XXXX" + good.substr(4),                         // magic
      good.substr(0, good.size() - 1),                 // truncated body
      good + "x",                                      // trailing byte
      "WSF1" + u32(3) + u32(8) + "response" + u32(3),  // count larger than the items
      "WSF1" + u32(1) + u32(0xffffffff),               // an item past the end
      "WSF1" + u32(70000),                             // too many items
      frame({"response", "200"}),                      // no body
      frame({"response", "200", "", "X-Odd"}),         // a header without a value
      frame({"response", "abc", ""}),                  // status
      frame({"response", "99", ""}),
      frame({"response", "100", ""}),  // informational: another reply would follow
      frame({"response", "199", ""}),
      frame({"response", "600", ""}),
      frame({"response", "", ""}),
      frame({"response", "200 ", ""}),
      frame({"response", "200", "", "Bad Name", "v"}),  // not a token
      frame({"response", "200", "", "X:y", "v"}),
      frame({"response", "200", "", "", "v"}),
      frame({"response", "200", "", "X-Split", "a\r\nSet-Cookie: evil=1"}),  // splitting
      frame({"response", "200", "", "X-Nul", std::string("a\0b", 3)}),
  };
  for (const auto& input : bad) {
    EXPECT_THROW(decode_web_response(input), FrameError) << testing::PrintToString(input);
  }
}

TEST(HttpFrame, EncodesARequestWithLengthsFirstAndTheBodyLast) {
  WebRequest r;
  r.method = "POST";
  r.path = "/a%20b";
  r.body = "xyz";
  r.headers = {{"Host", "h"}};
  std::string out = encode_web_request(r);
  // kind, method, scheme, host, script_name, path, query, remote address, endpoint, one
  // header's name and value, the body.
  EXPECT_EQ(out.substr(0, 8), "WSR1" + u32(12));
  EXPECT_EQ(out.substr(8, 48), u32(3) + u32(4) + u32(0) + u32(0) + u32(0) + u32(6) + u32(0) +
                                   u32(0) + u32(0) + u32(9) + u32(1) + u32(3));
  EXPECT_EQ(out.substr(56), "appPOST/a%20bHTTP_HOSThxyz");
}

TEST(HttpFrame, HeadersTakeTheirWsgiEnvironNames) {
  const auto got = environ_headers({{"Content-Type", "text/plain"},
                                    {"Content-Length", "3"},
                                    {"x-forwarded-for", "a"},
                                    {"Accept", "b"},
                                    {"X-Forwarded-For", "c"}});
  const std::vector<std::pair<std::string, std::string>> want = {
      {"CONTENT_TYPE", "text/plain"}, {"HTTP_X_FORWARDED_FOR", "a,c"}, {"HTTP_ACCEPT", "b"}};
  EXPECT_EQ(got, want);
}

TEST(UrlRule, MatchesWerkzeugConverters) {
  struct Case {
    const char* rule;
    const char* path;
    bool match;
  };
  const Case cases[] = {
      {"/", "/", true},
      {"/", "", false},
      {"/items", "/items", true},
      {"/items", "/items/", false},
      {"/items/<int:id>", "/items/42", true},
      {"/items/<int:id>", "/items/-4", false},
      {"/items/<int(signed=True):id>", "/items/-4", true},
      {"/items/<int:id>", "/items/4x", false},
      {"/items/<int:id>", "/items/", false},
      {"/p/<float:x>", "/p/1.5", true},
      {"/p/<float:x>", "/p/15", false},
      {"/files/<path:name>", "/files/a/b/c.txt", true},
      {"/files/<path:name>", "/files/", false},
      {"/files/<path:name>", "/files//x", false},
      {"/files/<path:name>/raw", "/files/a/b/raw", true},
      {"/files/<path:name>/raw", "/files/a/b", false},
      {"/u/<uuid:k>", "/u/12345678-1234-1234-1234-123456789abc", true},
      {"/u/<uuid:k>", "/u/12345678-1234-1234-1234-123456789abz", false},
      {"/u/<uuid:k>", "/u/12345678123412341234123456789abc", false},
      {"/<any(about, help):page>", "/help", true},
      {"/<any(about, help):page>", "/other", false},
      {"/<name>.json", "/report.json", true},
      {"/<name>", "/a/b", false},
      {"/<string(length=2):c>/x", "/ab/x", true},
      {"/<custom:c>", "/anything", true},  // an app's own converter: one segment here
      {"/a/<x>/<y>", "/a/1/2", true},
      {"/a/<x>/<y>", "/a/1", false},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(UrlRule(c.rule).matches(c.path), c.match) << c.rule << " vs " << c.path;
  }
  EXPECT_TRUE(UrlRule("/items").is_static());
  EXPECT_FALSE(UrlRule("/items/<int:id>").is_static());
}

TEST(UrlRule, RefusesWhatIsNotARule) {
  for (const char* rule : {"", "items", "/a/<int:id", "/<any(a:x>"}) {
    EXPECT_THROW(UrlRule{rule}, RuleError) << rule;
  }
}

// Many path converters would backtrack for long; the budget bounds it (no match: the app's
// fallback routes it with the real Werkzeug).
TEST(UrlRule, BacktrackingIsBounded) {
  std::string rule;
  for (int i = 0; i < 12; ++i) rule += "/<path:p" + std::to_string(i) + ">";
  rule += "/end";
  std::string path;
  for (int i = 0; i < 64; ++i) path += "/x";
  EXPECT_FALSE(UrlRule(rule).matches(path));
}

// An any() with many choices costs a step per choice compared, against the same budget.
TEST(UrlRule, AnyChoicesTakeFromTheBudgetAndAreBounded) {
  std::string choices;
  for (int i = 0; i < 1000; ++i) choices += (i ? ",z" : "z");
  UrlRule rule("/<path:p><any(" + choices + "):x>");
  std::string path = "/" + std::string(4000, 'a');
  size_t budget = 5000;
  EXPECT_FALSE(rule.matches(path, budget));
  EXPECT_EQ(budget, 5000u - 4096u);  // one rule's own bound, taken from the shared budget
  EXPECT_THROW(
      UrlRule("/<any(" + choices + ",y,y,y,y,y,y,y,y,y,y,y,y,y,y,y,y,y,y,y,y,y,y,y,y,y):x>"),
      RuleError);
  EXPECT_THROW(UrlRule("/" + std::string(kMaxRuleBytes, 'a')), RuleError);
  size_t little = 3;
  EXPECT_FALSE(UrlRule("/<any(a,b,c,d):x>").matches("/d", little));
  EXPECT_EQ(little, 0u);
}

json manifest() {
  return {{"module", "shop.app:app"},
          {"mode", "direct"},
          {"fallback", "shop"},
          {"endpoints",
           {{{"endpoint", "item"},
             {"function", "shop.item"},
             {"rules", {{{"rule", "/items/<int:id>"}, {"methods", {"GET", "HEAD"}}}}}},
            {{"endpoint", "special"},
             {"function", "shop.special"},
             {"rules", {{{"rule", "/items/7"}, {"methods", {"GET"}}}}}},
            {{"endpoint", "rows"},
             {"function", "shop.rows"},
             {"unavailable", {{"sqlite3", "needs '_sqlite3'"}}},
             {"rules", {{{"rule", "/rows"}, {"methods", {"GET"}}}}}}}}};
}

TEST(WebApps, RoutesByRuleAndMethodWithAFallback) {
  WebApps apps(test::fresh_test_dir("web_apps"));
  apps.put("al", "shop", manifest());
  EXPECT_EQ(apps.route("al", "shop", "GET", "/items/3")->function, "shop.item");
  EXPECT_EQ(apps.route("al", "shop", "GET", "/items/3")->endpoint, "item");
  // A static rule wins over a dynamic one that also matches, as in Werkzeug.
  EXPECT_EQ(apps.route("al", "shop", "GET", "/items/7")->function, "shop.special");
  EXPECT_EQ(apps.route("al", "shop", "HEAD", "/items/7")->function, "shop.item");
  // Anything else goes to the fallback, whose Werkzeug answers 404, 405 or a redirect.
  EXPECT_EQ(apps.route("al", "shop", "POST", "/items/3")->function, "shop");
  EXPECT_EQ(apps.route("al", "shop", "GET", "/nothing")->function, "shop");
  EXPECT_TRUE(apps.route("al", "shop", "GET", "/nothing")->endpoint.empty());
  EXPECT_NE(apps.route("al", "shop", "GET", "/rows")->unavailable.find("_sqlite3"),
            std::string::npos);
  EXPECT_FALSE(apps.route("al", "other", "GET", "/"));
  EXPECT_FALSE(apps.route("bob", "shop", "GET", "/"));
}

TEST(WebApps, ManifestsSurviveARestartAndCanBeRemoved) {
  auto dir = test::fresh_test_dir("web_apps");
  {
    WebApps apps(dir);
    apps.put("al", "shop", manifest());
  }
  WebApps again(dir);
  ASSERT_TRUE(again.get("al", "shop"));
  EXPECT_EQ((*again.get("al", "shop"))["module"], "shop.app:app");
  EXPECT_EQ(again.list().size(), 1u);
  EXPECT_EQ(again.route("al", "shop", "GET", "/items/1")->function, "shop.item");
  EXPECT_TRUE(again.remove("al", "shop"));
  EXPECT_FALSE(again.remove("al", "shop"));
  EXPECT_FALSE(WebApps(dir).get("al", "shop"));
}

TEST(WebApps, OneRequestsRoutingIsBoundedAcrossRules) {
  // Rules that each spend their whole own budget: after 16 of them the request's is spent too,
  // and it goes to the fallback (whose Werkzeug would route it) rather than on through them all.
  json m = manifest();
  std::string slow;
  for (int i = 0; i < 12; ++i) slow += "/<path:p" + std::to_string(i) + ">";
  json rules = json::array();
  for (int i = 0; i < 40; ++i) rules.push_back({{"rule", slow + "/end"}, {"methods", {"GET"}}});
  rules.push_back({{"rule", "/<path:all>"}, {"methods", {"GET"}}});
  m["endpoints"][0]["rules"] = rules;
  WebApps apps(test::fresh_test_dir("web_apps"));
  apps.put("al", "shop", m);
  std::string path;
  for (int i = 0; i < 64; ++i) path += "/x";
  EXPECT_EQ(apps.route("al", "shop", "GET", path)->function, "shop");
  EXPECT_EQ(apps.route("al", "shop", "GET", "/short")->function, "shop.item");
}

TEST(WebApps, ManifestsAndAppsPerUserAreBounded) {
  WebApps apps(test::fresh_test_dir("web_apps"));
  json big = manifest();
  big["padding"] = std::string(kMaxManifestBytes, 'x');
  try {
    apps.put("al", "big", big);
    ADD_FAILURE() << "accepted";
  } catch (const HttpError& e) {
    EXPECT_EQ(e.status(), http::status::payload_too_large);
  }
  for (size_t i = 0; i < kMaxWebAppsPerUser; ++i)
    apps.put("al", "app" + std::to_string(i), manifest());
  try {
    apps.put("al", "one-more", manifest());
    ADD_FAILURE() << "accepted";
  } catch (const HttpError& e) {
    EXPECT_EQ(e.status(), http::status::forbidden);
    EXPECT_EQ(e.code(), "quota_exceeded");
  }
  apps.put("al", "app0", manifest());   // replacing one is no new app
  apps.put("bob", "app0", manifest());  // another user's are his own
  EXPECT_FALSE(apps.get("al", "one-more"));
  EXPECT_EQ(apps.list().size(), kMaxWebAppsPerUser + 1);
}

TEST(WebApps, ABadManifestIsRefusedAndTheOldOneKept) {
  WebApps apps(test::fresh_test_dir("web_apps"));
  apps.put("al", "shop", manifest());
  auto without = [](const char* key) {
    json m = manifest();
    m.erase(key);
    return m;
  };
  json bad_rule = manifest();
  bad_rule["endpoints"][0]["rules"][0]["rule"] = "no-slash";
  json bad_function = manifest();
  bad_function["endpoints"][0]["function"] = "../escape";
  json bad_method = manifest();
  bad_method["endpoints"][0]["rules"][0]["methods"] = {1};
  for (const json& m : {json::array(), without("fallback"), without("endpoints"), bad_rule,
                        bad_function, bad_method}) {
    try {
      apps.put("al", "shop", m);
      ADD_FAILURE() << "accepted " << m.dump();
    } catch (const HttpError& e) {
      EXPECT_EQ(e.status(), http::status::bad_request) << m.dump();
    }
  }
  EXPECT_EQ(apps.route("al", "shop", "GET", "/items/3")->function, "shop.item");
}

}  // namespace
}  // namespace wasmlet::server
