// server/router: which handler a method and target reach, with which decoded parameters and
// query, and the 404, 405 (with Allow) and 400 answers when none does. One table of requests
// against one set of routes shaped like the server's own.
#include "server/router.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>

namespace wasmlet::server {
namespace {

// Each handler answers "<route> <params joined by |> ?<query>".
// No gate is set: the policy is not consulted.
constexpr RoutePolicy kAnyone{.access = Access::Open, .action = "read"};

Handler echo(std::string route) {
  return [route](Request&&, RouteMatch&& m, const Respond& respond) {
    std::string params;
    for (const auto& p : m.params) params += (params.empty() ? "" : "|") + p;
    respond(text_reply(http::status::ok, route + " " + params + " ?" + m.query));
  };
}

Router make_router() {
  Router r;
  r.add(http::verb::post, "/v1/functions/{}/{}:invoke", ErrorStyle::Json, kAnyone, echo("invoke"));
  r.add(http::verb::get, "/v1/functions/{}/{}", ErrorStyle::Json, kAnyone, echo("get"));
  r.add(http::verb::delete_, "/v1/functions/{}/{}", ErrorStyle::Json, kAnyone, echo("delete"));
  r.add(http::verb::put, "/f/{}/{}", ErrorStyle::PlainText, kAnyone, echo("upload"));
  r.add(http::verb::get, "/ping", ErrorStyle::PlainText, kAnyone, echo("ping"));
  r.add(http::verb::post, "/", ErrorStyle::PlainText, kAnyone, echo("root"));
  r.add(http::verb::get, "/throws", ErrorStyle::Json, kAnyone,
        [](Request&&, RouteMatch&&, const Respond&) {
          throw HttpError(http::status::conflict, "conflict", "taken");
        });
  return r;
}

struct Answer {
  unsigned status = 0;
  std::string body, allow;
};

Answer dispatch(const Router& router, http::verb method, const std::string& target) {
  Request request{method, target, 11};
  Answer answer;
  int replies = 0;
  router.dispatch(std::move(request), [&](Reply reply) {
    ++replies;
    answer.status = reply.response.result_int();
    answer.body = reply.response.body();
    answer.allow = std::string(reply.response[http::field::allow]);
  });
  EXPECT_EQ(replies, 1) << target;
  return answer;
}

TEST(Router, DispatchesByMethodAndShape) {
  const Router router = make_router();
  struct Case {
    http::verb method;
    std::string target;
    unsigned status;
    std::string body;  // the whole body for a 200, a part of it otherwise
    std::string allow = {};
  };
  using v = http::verb;
  const Case cases[] = {
      {v::post, "/v1/functions/alice/echo:invoke", 200, "invoke alice|echo ?"},
      {v::post, "/v1/functions/alice/echo:invoke?async=1", 200, "invoke alice|echo ?async=1"},
      {v::get, "/v1/functions/alice/echo", 200, "get alice|echo ?"},
      {v::head, "/v1/functions/alice/echo", 200, "get alice|echo ?"},  // HEAD runs GET
      {v::delete_, "/v1/functions/alice/echo", 200, "delete alice|echo ?"},
      {v::put, "/f/demo/hello", 200, "upload demo|hello ?"},
      {v::get, "/ping", 200, "ping  ?"},
      {v::post, "/", 200, "root  ?"},
      {v::post, "/?x=%zz", 200, "root  ?x=%zz"},  // the query stays raw
      // Captures are decoded after matching, so an encoded '/' or ':' stays in its segment.
      {v::get, "/v1/functions/a%2Fb/c%3Ad", 200, "get a/b|c:d ?"},
      {v::post, "/v1/functions/alice/e%63ho:invoke", 200, "invoke alice|echo ?"},
      {v::get, "/v1/functions/alice/%zz", 400, "bad percent-encoding in the path"},
      {v::put, "/f/demo/%4", 400, "bad percent-encoding in the path"},
      // A capture with a suffix needs something before the suffix.
      {v::post, "/v1/functions/alice/:invoke", 405, "not allowed", "GET, HEAD, DELETE"},
      {v::post, "/v1/functions/alice/echo", 405, "not allowed", "GET, HEAD, DELETE"},
      {v::get, "/v1/functions/alice/echo:invoke", 405, "not allowed", "POST"},
      {v::get, "/f/demo/hello", 405, "not allowed", "PUT"},
      {v::get, "/v1/functions/alice", 404, "no route for GET /v1/functions/alice"},
      {v::get, "/v1/functions/alice/echo/more", 404, "no route"},
      {v::get, "/pong", 404, "no route"},
      {v::get, "/ping/", 404, "no route"},
      {v::get, "/throws", 409, "taken"},
  };
  for (const auto& c : cases) {
    Answer a = dispatch(router, c.method, c.target);
    EXPECT_EQ(a.status, c.status) << c.target << ": " << a.body;
    if (c.status == 200) {
      EXPECT_EQ(a.body, c.body) << c.target;
    } else {
      EXPECT_NE(a.body.find(c.body), std::string::npos) << c.target << ": " << a.body;
    }
    EXPECT_EQ(a.allow, c.allow) << c.target;
  }
}

TEST(Router, ErrorsTakeTheRoutesStyle) {
  const Router router = make_router();
  // Faasm's routes answer in plain text, the others (and unknown paths) in JSON.
  EXPECT_EQ(dispatch(router, http::verb::get, "/f/demo/%zz").body,
            "bad percent-encoding in the path");
  EXPECT_EQ(dispatch(router, http::verb::get, "/v1/functions/alice/%zz").body.front(), '{');
  EXPECT_EQ(dispatch(router, http::verb::get, "/nowhere").body.front(), '{');
}

TEST(PercentDecode, DecodesEscapesAndRefusesMalformedOnes) {
  using namespace std::string_literals;
  struct Case {
    std::string in;
    std::optional<std::string> out;
  } cases[] = {
      {"", ""},
      {"plain", "plain"},
      {"%41b", "Ab"},
      {"%2f%2F", "//"},
      {"%00", "\0"s},
      {"%ff", "\xff"},
      {"a%20b+c", "a b+c"},  // '+' is not a space in a path
      {"%", std::nullopt},
      {"%4", std::nullopt},
      {"a%4", std::nullopt},
      {"%g1", std::nullopt},
      {"%1g", std::nullopt},
      {"%%41", std::nullopt},
  };
  for (const auto& c : cases) EXPECT_EQ(percent_decode(c.in), c.out) << c.in;
}

// A "{**}" route takes every method and the rest of the path, undecoded, with the client's
// address.
TEST(Router, AnyMethodRouteCapturesTheRestOfThePath) {
  Router router;
  router.add_any_method(
      "/apps/{}/{}/{**}", ErrorStyle::Json, kAnyone,
      [](Request&& request, RouteMatch&& m, const Respond& respond) {
        respond(text_reply(http::status::ok, std::string(request.method_string()) + " " +
                                                 m.params[0] + "|" + m.params[1] + " [" + m.rest +
                                                 "] ?" + m.query + " @" + m.remote_address));
      });
  router.add(http::verb::get, "/apps", ErrorStyle::Json, kAnyone, echo("apps"));
  auto answer = [&](http::verb method, const std::string& target) {
    Request request{method, target, 11};
    std::string body;
    router.dispatch(
        std::move(request), [&](Reply reply) { body = reply.response.body(); }, {}, "10.0.0.7");
    return body;
  };
  EXPECT_EQ(answer(http::verb::get, "/apps/al/shop/items/1?x=%20"),
            "GET al|shop [/items/1] ?x=%20 @10.0.0.7");
  EXPECT_EQ(answer(http::verb::patch, "/apps/al/shop/a%2Fb/"),
            "PATCH al|shop [/a%2Fb/] ? @10.0.0.7");
  EXPECT_EQ(answer(http::verb::delete_, "/apps/al/shop/"), "DELETE al|shop [/] ? @10.0.0.7");
  EXPECT_EQ(answer(http::verb::get, "/apps/al/shop"), "GET al|shop [] ? @10.0.0.7");
  EXPECT_EQ(answer(http::verb::get, "/apps"), "apps  ?");
  EXPECT_THROW(router.add_any_method("/apps/{}", ErrorStyle::Json, kAnyone, echo("x")), Error);
}

// A "{**}" tail on a route of one method: the rest of the path for that method (HEAD too, as
// for GET), 405 with Allow for the others.
TEST(Router, MethodRouteWithATail) {
  Router router;
  router.add(http::verb::get, "/console/{**}", ErrorStyle::Json, kAnyone,
             [](Request&&, RouteMatch&& m, const Respond& respond) {
               respond(text_reply(http::status::ok, "[" + m.rest + "] ?" + m.query));
             });
  EXPECT_EQ(dispatch(router, http::verb::get, "/console").body, "[] ?");
  EXPECT_EQ(dispatch(router, http::verb::get, "/console/").body, "[/] ?");
  EXPECT_EQ(dispatch(router, http::verb::get, "/console/a/b%2F.js?v=1").body, "[/a/b%2F.js] ?v=1");
  EXPECT_EQ(dispatch(router, http::verb::head, "/console/app.js").body, "[/app.js] ?");
  auto post = dispatch(router, http::verb::post, "/console/app.js");
  EXPECT_EQ(post.status, 405u);
  EXPECT_EQ(post.allow, "GET, HEAD");
  EXPECT_EQ(dispatch(router, http::verb::get, "/consoles").status, 404u);
}
}  // namespace
}  // namespace wasmlet::server
