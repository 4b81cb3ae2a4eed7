// auth/quotas: the JSON form an admin sets quotas with. A partial object changes only what it
// names; anything unknown, mistyped or nonsensical is refused with the field's name.
#include "auth/quotas.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "util/error.h"

namespace wasmlet::auth {
namespace {

using nlohmann::json;

TEST(Quotas, RoundTripsThroughJson) {
  Quotas q;
  q.max_concurrent_calls = 3;
  q.calls_per_second = 2.5;
  q.burst = 7;
  q.max_memory_bytes = 64 << 20;
  q.max_timeout = std::chrono::milliseconds(1500);
  q.max_functions = 0;
  q.max_function_bytes = 12345;
  q.max_state_bytes = 0;
  q.max_file_bytes = 4096;
  json j = quotas_to_json(q);
  EXPECT_EQ(j["max_timeout_ms"], 1500);
  EXPECT_EQ(j.size(), 9u);
  EXPECT_EQ(quotas_from_json(j, Quotas{}), q);
  // Through text, as the file and the HTTP API carry it.
  EXPECT_EQ(quotas_from_json(json::parse(j.dump()), Quotas{}), q);
}

TEST(Quotas, PartialObjectsChangeOnlyWhatTheyName) {
  Quotas base;
  base.burst = 5;
  Quotas q = quotas_from_json(json{{"calls_per_second", 10}}, base);
  EXPECT_EQ(q.calls_per_second, 10);
  EXPECT_EQ(q.burst, 5u);
  EXPECT_EQ(quotas_from_json(json::object(), base), base);
}

TEST(Quotas, RejectionsNameTheField) {
  struct Case {
    std::string json_text, field;
  } cases[] = {
      {R"({"max_concurent_calls": 1})", "max_concurent_calls"},
      {R"({"max_timeout": 1})", "max_timeout"},
      {R"({"max_concurrent_calls": 0})", "max_concurrent_calls"},
      {R"({"max_concurrent_calls": -1})", "max_concurrent_calls"},
      {R"({"max_concurrent_calls": 4294967296})", "max_concurrent_calls"},
      {R"({"max_concurrent_calls": 1.5})", "max_concurrent_calls"},
      {R"({"max_concurrent_calls": "4"})", "max_concurrent_calls"},
      {R"({"max_concurrent_calls": true})", "max_concurrent_calls"},
      {R"({"max_concurrent_calls": null})", "max_concurrent_calls"},
      {R"({"calls_per_second": 0})", "calls_per_second"},
      {R"({"calls_per_second": -2.5})", "calls_per_second"},
      {R"({"calls_per_second": 1e300})", "calls_per_second"},
      {R"({"calls_per_second": "fast"})", "calls_per_second"},
      {R"({"burst": 0})", "burst"},
      {R"({"max_memory_bytes": 0})", "max_memory_bytes"},
      {R"({"max_memory_bytes": -5})", "max_memory_bytes"},
      {R"({"max_timeout_ms": 0})", "max_timeout_ms"},
      {R"({"max_timeout_ms": 99999999999999999})", "max_timeout_ms"},
      {R"({"max_functions": -1})", "max_functions"},
      {R"({"max_function_bytes": [1]})", "max_function_bytes"},
      {R"({"max_state_bytes": {}})", "max_state_bytes"},
      {R"({"max_file_bytes": -1})", "max_file_bytes"},
  };
  for (const auto& c : cases) {
    try {
      quotas_from_json(json::parse(c.json_text), Quotas{});
      ADD_FAILURE() << "accepted " << c.json_text;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("'" + c.field + "'"), std::string::npos)
          << c.json_text << ": " << e.what();
    }
  }
  for (const char* not_object : {"[]", "1", "\"x\"", "null"}) {
    EXPECT_THROW(quotas_from_json(json::parse(not_object), Quotas{}), Error) << not_object;
  }
}

TEST(Quotas, ZeroIsAllowedWhereItMeansNone) {
  Quotas q = quotas_from_json(json{{"max_functions", 0},
                                   {"max_function_bytes", 0},
                                   {"max_state_bytes", 0},
                                   {"max_file_bytes", 0}},
                              Quotas{});
  EXPECT_EQ(q.max_functions, 0u);
  EXPECT_EQ(q.max_function_bytes, 0u);
  EXPECT_EQ(q.max_state_bytes, 0u);
  EXPECT_EQ(q.max_file_bytes, 0u);
}

}  // namespace
}  // namespace wasmlet::auth
