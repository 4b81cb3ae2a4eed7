// auth/audit_log: one JSON object per line through the "audit" logger, and a bound on floods
// of refusals (a fake clock decides where the seconds end).
#include "auth/audit_log.h"

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

namespace wasmlet::auth {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

// Captures the "audit" logger's lines and runs the flood bound on a fake clock.
class AuditLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    spdlog::drop("audit");
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_st>(out_);
    sink->set_pattern("%v");
    spdlog::register_logger(std::make_shared<spdlog::logger>("audit", sink));
    set_audit_clock([this] { return now_; });
  }
  void TearDown() override {
    set_audit_clock(nullptr);
    spdlog::drop("audit");
  }

  std::vector<json> lines() {
    std::vector<json> out;
    std::string line;
    std::istringstream in(out_.str());
    while (std::getline(in, line)) out.push_back(json::parse(line));
    return out;
  }

  std::ostringstream out_;
  Clock::time_point now_{std::chrono::seconds(1000)};
};

TEST_F(AuditLogTest, OneJsonObjectPerLine) {
  audit({"refused", "alice", "invoke", "function:bob/echo", "forbidden", 403, "127.0.0.1"});
  audit({"key_create", "root", "create", "key:0123456789abcdef", "ok", 0, ""});
  auto got = lines();
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0], (json{{"audit", "refused"},
                          {"tenant", "alice"},
                          {"action", "invoke"},
                          {"object", "function:bob/echo"},
                          {"outcome", "forbidden"},
                          {"status", 403},
                          {"remote", "127.0.0.1"}}));
  EXPECT_EQ(got[1]["audit"], "key_create");
  EXPECT_FALSE(got[1].contains("status"));
  EXPECT_FALSE(got[1].contains("remote"));
}

TEST_F(AuditLogTest, ClientTextIsEscaped) {
  audit({"refused", "", "invoke", "function:a\"b\n{\"audit\":\"x\"}\xff", "unauthenticated", 401,
         ""});
  std::string text = out_.str();
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 1);
  auto got = lines();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0]["audit"], "refused");
  EXPECT_EQ(got[0]["object"].get<std::string>().substr(0, 13), "function:a\"b\n");
}

TEST_F(AuditLogTest, FloodsOfRefusalsAreCountedNotWritten) {
  for (int i = 0; i < 250; ++i) audit({"refused", "", "invoke", "x", "unauthenticated", 401, ""});
  EXPECT_EQ(lines().size(), 100u);
  // Other events still get through.
  audit({"upload", "alice", "upload", "function:alice/f", "ok", 201, ""});
  EXPECT_EQ(lines().size(), 101u);

  now_ += std::chrono::seconds(1);
  audit({"refused", "", "invoke", "x", "unauthenticated", 401, ""});
  auto got = lines();
  ASSERT_EQ(got.size(), 103u);
  EXPECT_EQ(got[101], (json{{"audit", "refused_suppressed"}, {"count", 150}}));
  EXPECT_EQ(got[102]["audit"], "refused");

  now_ += std::chrono::seconds(1);
  audit({"upload", "alice", "upload", "function:alice/f", "ok", 201, ""});
  EXPECT_EQ(lines().size(), 104u);  // nothing was suppressed in the second before
}

}  // namespace
}  // namespace wasmlet::auth
