// States Language definitions without running them: paths, templates, Choice rules,
// timestamps, validation and its bounds.
#include "workflow/definition.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "workflow/timestamp.h"

namespace wasmlet::workflow {
namespace {

bool any_function(const std::string&) { return true; }

std::shared_ptr<const Definition> parse(const std::string& text) {
  return parse_definition(text, any_function);
}

// The DefinitionError `text` raises, as "STATE|PROBLEM".
std::string rejection(const std::string& text,
                      const std::function<bool(const std::string&)>& exists = any_function) {
  try {
    parse_definition(text, exists);
  } catch (const DefinitionError& e) {
    return e.state() + "|" + e.problem();
  }
  return "accepted";
}

TEST(JsonPath, SelectsNamesIndexesWildcardsAndDescent) {
  Json doc = Json::parse(R"({"a": {"b": [10, 20, {"c": 3}]}, "x y": 1, "d": {"c": 4}})");
  struct Case {
    const char* path;
    const char* expected;  // JSON, or "absent"
  } cases[] = {
      {"$", nullptr},
      {"$.a.b[1]", "20"},
      {"$['a']['b'][2].c", "3"},
      {"$[\"x y\"]", "1"},
      {"$.a.b[*]", R"([10,20,{"c":3}])"},
      {"$.*", nullptr},
      {"$..c", "[3,4]"},
      {"$.a.b[7]", "absent"},
      {"$.nope", "absent"},
      {"$.a.b.c", "absent"},
  };
  for (const auto& c : cases) {
    auto selected = JsonPath::parse(c.path).select(doc);
    if (c.expected == nullptr) {
      EXPECT_TRUE(selected.has_value()) << c.path;
    } else if (std::string(c.expected) == "absent") {
      EXPECT_FALSE(selected.has_value()) << c.path;
    } else {
      ASSERT_TRUE(selected.has_value()) << c.path;
      EXPECT_EQ(*selected, Json::parse(c.expected)) << c.path;
    }
  }
  EXPECT_EQ(*JsonPath::parse("$").select(doc), doc);
  EXPECT_TRUE(JsonPath::parse("$.a[0].b").is_reference());
  EXPECT_FALSE(JsonPath::parse("$.a[*]").is_reference());
  EXPECT_FALSE(JsonPath::parse("$..a").is_reference());
}

TEST(JsonPath, RejectsMalformedPaths) {
  for (const char* bad : {"", "a.b", "$.", "$[", "$[x]", "$['a'", "$.a]", "$..", "$a"}) {
    EXPECT_THROW(JsonPath::parse(bad), FieldError) << bad;
  }
}

TEST(JsonPath, AssignCreatesObjectsAndRefusesWhatItCannotEnter) {
  Json doc = Json::parse(R"({"keep": 1, "list": [{"v": 0}]})");
  JsonPath::parse("$.a.b").assign(doc, 5);
  JsonPath::parse("$.list[0].v").assign(doc, "x");
  EXPECT_EQ(doc, Json::parse(R"({"keep": 1, "a": {"b": 5}, "list": [{"v": "x"}]})"));
  EXPECT_THROW(JsonPath::parse("$.keep.deeper").assign(doc, 1), DataError);
  EXPECT_THROW(JsonPath::parse("$.list[3]").assign(doc, 1), DataError);
  Json whole = 1;
  JsonPath().assign(whole, "replaced");
  EXPECT_EQ(whole, "replaced");
}

TEST(JsonPath, ParseJsonBoundsDepthAndGivesThePosition) {
  EXPECT_EQ(parse_json(R"({"a": "[[[["})"), Json::parse(R"({"a": "[[[["})"));
  std::string deep(kMaxJsonDepth + 1, '[');
  EXPECT_THROW(parse_json(deep), DataError);
  try {
    parse_json("{\"a\": }");
    FAIL();
  } catch (const DataError& e) {
    EXPECT_NE(std::string(e.what()).find("column 7"), std::string::npos) << e.what();
  }
}

TEST(Payload, FillsPathsAndContextAtAnyDepth) {
  auto t = PayloadTemplate::parse(Json::parse(
      R"({"fixed": 1, "v.$": "$.a", "nested": {"w.$": "$.b[0]", "list": [{"id.$": "$$.Map.Item.Index"}]},
          "all.$": "$"})"));
  EXPECT_TRUE(t.uses_context());
  Json input = Json::parse(R"({"a": "A", "b": [true]})");
  Json context = Json::parse(R"({"Map": {"Item": {"Index": 4}}})");
  EXPECT_EQ(t.apply(input, &context),
            Json::parse(R"({"fixed": 1, "v": "A", "nested": {"w": true, "list": [{"id": 4}]},
                            "all": {"a": "A", "b": [true]}})"));
  EXPECT_THROW(PayloadTemplate::parse(Json::parse(R"({"x.$": "$.missing"})")).apply(input, nullptr),
               DataError);
  EXPECT_FALSE(PayloadTemplate::parse(Json::parse(R"({"x.$": "$.a"})")).uses_context());
}

TEST(Payload, TheValuesPathsSelectAreBounded) {
  // 300 copies of a 300 KB input: 90 MB, past the bound, refused before it is all built.
  std::string spec = "{";
  for (int i = 0; i < 300; ++i) spec += (i ? "," : "") + fmt::format(R"("k{}.$": "$")", i);
  auto t = PayloadTemplate::parse(Json::parse(spec + "}"));
  Json big = Json::array();
  for (int i = 0; i < 3000; ++i) big.push_back(std::string(100, 'x'));
  try {
    t.apply(big, nullptr);
    ADD_FAILURE() << "no error";
  } catch (const DataError& e) {
    EXPECT_NE(std::string(e.what()).find("more than 16777216 bytes"), std::string::npos)
        << e.what();
  }
  // Under the bound the same template works.
  EXPECT_EQ(t.apply(Json::array({1}), nullptr)["k299"], Json::array({1}));
}

TEST(JsonPath, SelectionsAreBoundedInCountAndBytes) {
  // Each descent selects every value below every value the last one selected.
  Json deep = "leaf";
  for (int i = 0; i < 400; ++i) deep = Json::array({std::move(deep)});  // 400 nested arrays
  EXPECT_THROW(JsonPath::parse("$..*..*..*").select(deep), DataError);
  Json wide = Json::array();
  for (int i = 0; i < 1000; ++i) wide.push_back(std::string(100000, 'x'));  // 100 MB
  EXPECT_THROW(JsonPath::parse("$[*]").select(wide), DataError);
  EXPECT_EQ(JsonPath::parse("$[*]").select(Json::parse("[1,[2]]")), Json::parse("[1,[2]]"));
  EXPECT_EQ(json_size_at_most(Json::parse(R"({"ab":[1,"xy"]})"), 1000), 2u + 6 + 2 + 1 + 8 + 1 + 4);
  EXPECT_LE(json_size_at_most(wide, 1000), 1000u + 100002);
}

TEST(Payload, RejectsNonPathsAndIntrinsics) {
  struct Case {
    const char* spec;
    const char* message_part;
  } cases[] = {
      {R"({"x.$": 1})", "must be a path"},
      {R"({"x.$": "plain"})", "must be a path"},
      {R"j({"x.$": "States.Format('{}', $.a)"})j", "intrinsic functions are not supported"},
      {R"({"x.$": "$["})", "invalid path"},
  };
  for (const auto& c : cases) {
    try {
      PayloadTemplate::parse(Json::parse(c.spec));
      ADD_FAILURE() << c.spec;
    } catch (const FieldError& e) {
      EXPECT_NE(std::string(e.what()).find(c.message_part), std::string::npos) << e.what();
    }
  }
}

TEST(Timestamp, ParsesRfc3339AndOrdersAcrossOffsets) {
  auto a = parse_timestamp("2016-03-14T01:59:00Z");
  auto b = parse_timestamp("2016-03-14T03:59:00+02:00");
  auto c = parse_timestamp("2016-03-14T01:59:00.5z");
  ASSERT_TRUE(a && b && c);
  EXPECT_EQ(*a, *b);
  EXPECT_LT(*a, *c);
  EXPECT_EQ(format_timestamp(*c), "2016-03-14T01:59:00.500000000Z");
  for (const char* bad : {"2016-03-14", "2016-02-30T00:00:00Z", "2016-03-14T01:59:00",
                          "2016-03-14 01:59:00Z", "2016-03-14T25:00:00Z", "9999-01-01T00:00:00Z",
                          "2016-03-14T01:59:00.Z", "2016-03-14T01:59:00+0200"}) {
    EXPECT_FALSE(parse_timestamp(bad)) << bad;
  }
}

TEST(Choice, EveryComparisonOperator) {
  Json input = Json::parse(R"({"s": "b", "n": 5, "f": 2.5, "t": true, "z": null,
      "ts": "2020-01-01T00:00:00Z", "other": {"s": "b", "n": 5, "t": true, "ts": "2020-01-01T00:00:00Z"}})");
  struct Case {
    const char* rule;
    bool expected;
  } cases[] = {
      {R"({"Variable": "$.s", "StringEquals": "b"})", true},
      {R"({"Variable": "$.s", "StringLessThan": "c"})", true},
      {R"({"Variable": "$.s", "StringGreaterThan": "c"})", false},
      {R"({"Variable": "$.s", "StringLessThanEquals": "b"})", true},
      {R"({"Variable": "$.s", "StringGreaterThanEquals": "c"})", false},
      {R"({"Variable": "$.s", "StringEqualsPath": "$.other.s"})", true},
      {R"({"Variable": "$.s", "StringLessThanPath": "$.other.s"})", false},
      {R"({"Variable": "$.s", "StringGreaterThanPath": "$.other.s"})", false},
      {R"({"Variable": "$.s", "StringLessThanEqualsPath": "$.other.s"})", true},
      {R"({"Variable": "$.s", "StringGreaterThanEqualsPath": "$.other.s"})", true},
      {R"({"Variable": "$.n", "NumericEquals": 5.0})", true},
      {R"({"Variable": "$.n", "NumericLessThan": 5})", false},
      {R"({"Variable": "$.f", "NumericGreaterThan": 2})", true},
      {R"({"Variable": "$.n", "NumericLessThanEquals": 5})", true},
      {R"({"Variable": "$.n", "NumericGreaterThanEquals": 6})", false},
      {R"({"Variable": "$.n", "NumericEqualsPath": "$.other.n"})", true},
      {R"({"Variable": "$.f", "NumericLessThanPath": "$.other.n"})", true},
      {R"({"Variable": "$.f", "NumericGreaterThanPath": "$.other.n"})", false},
      {R"({"Variable": "$.n", "NumericLessThanEqualsPath": "$.other.n"})", true},
      {R"({"Variable": "$.f", "NumericGreaterThanEqualsPath": "$.other.n"})", false},
      {R"({"Variable": "$.s", "NumericEquals": 5})", false},
      {R"({"Variable": "$.t", "BooleanEquals": true})", true},
      {R"({"Variable": "$.t", "BooleanEqualsPath": "$.other.t"})", true},
      {R"({"Variable": "$.ts", "TimestampEquals": "2020-01-01T01:00:00+01:00"})", true},
      {R"({"Variable": "$.ts", "TimestampLessThan": "2020-01-01T00:00:01Z"})", true},
      {R"({"Variable": "$.ts", "TimestampGreaterThan": "2020-01-01T00:00:01Z"})", false},
      {R"({"Variable": "$.ts", "TimestampLessThanEquals": "2019-12-31T23:59:59Z"})", false},
      {R"({"Variable": "$.ts", "TimestampGreaterThanEquals": "2019-12-31T23:59:59Z"})", true},
      {R"({"Variable": "$.ts", "TimestampEqualsPath": "$.other.ts"})", true},
      {R"({"Variable": "$.ts", "TimestampLessThanPath": "$.other.ts"})", false},
      {R"({"Variable": "$.ts", "TimestampGreaterThanPath": "$.other.ts"})", false},
      {R"({"Variable": "$.ts", "TimestampLessThanEqualsPath": "$.other.ts"})", true},
      {R"({"Variable": "$.ts", "TimestampGreaterThanEqualsPath": "$.other.ts"})", true},
      {R"({"Variable": "$.s", "StringMatches": "*"})", true},
      {R"({"Variable": "$.s", "StringMatches": "a*"})", false},
      {R"({"Variable": "$.missing", "IsPresent": false})", true},
      {R"({"Variable": "$.z", "IsPresent": true})", true},
      {R"({"Variable": "$.z", "IsNull": true})", true},
      {R"({"Variable": "$.n", "IsNumeric": true})", true},
      {R"({"Variable": "$.s", "IsString": true})", true},
      {R"({"Variable": "$.t", "IsBoolean": false})", false},
      {R"({"Variable": "$.ts", "IsTimestamp": true})", true},
      {R"({"Variable": "$.s", "IsTimestamp": true})", false},
      {R"({"And": [{"Variable": "$.n", "NumericEquals": 5}, {"Variable": "$.t", "BooleanEquals": true}]})",
       true},
      {R"({"And": [{"Variable": "$.n", "NumericEquals": 5}, {"Variable": "$.t", "BooleanEquals": false}]})",
       false},
      {R"({"Or": [{"Variable": "$.n", "NumericEquals": 4}, {"Variable": "$.t", "BooleanEquals": true}]})",
       true},
      {R"({"Not": {"Variable": "$.n", "NumericEquals": 5}})", false},
  };
  for (const auto& c : cases) {
    Json rule = Json::parse(c.rule);
    EXPECT_EQ(ChoiceRule::parse(rule, false).matches(input), c.expected) << c.rule;
  }
  EXPECT_THROW(ChoiceRule::parse(Json::parse(R"({"Variable": "$.missing", "IsNull": true})"), false)
                   .matches(input),
               DataError);
}

TEST(Choice, StringMatchesWildcardsAndEscapes) {
  struct Case {
    const char* text;
    const char* pattern;
    bool expected;
  } cases[] = {
      {"log-2020.txt", "log-*.txt", true},
      {"log-2020.csv", "log-*.txt", false},
      {"abc", "a*b*c", true},
      {"ac", "a*b*c", false},
      {"a*c", "a\\*c", true},
      {"abc", "a\\*c", false},
      {"a\\c", "a\\\\c", true},
      {"", "*", true},
      {"aaa", "a*a*a*a", false},
      {"xyz", "xyz", true},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(string_matches(c.text, c.pattern), c.expected) << c.text << " ~ " << c.pattern;
  }
}

TEST(Choice, RejectsMalformedRules) {
  struct Case {
    const char* rule;
    bool top_level;
    const char* message_part;
  } cases[] = {
      {R"({"Variable": "$.a", "StringEquals": "x"})", true, "needs Next"},
      {R"({"Variable": "$.a", "StringEquals": "x", "Next": "A"})", false, "has no Next"},
      {R"({"Variable": "$.a", "NumericEquals": "x", "Next": "A"})", true, "needs a number"},
      {R"({"Variable": "$.a", "TimestampEquals": "yesterday", "Next": "A"})", true, "RFC 3339"},
      {R"({"Variable": "$.a", "Next": "A"})", true, "needs a comparison"},
      {R"({"StringEquals": "x", "Next": "A"})", true, "needs a Variable"},
      {R"({"Variable": "$.a", "StringEquals": "x", "StringLessThan": "y", "Next": "A"})", true,
       "both"},
      {R"({"Variable": "$.a", "StringEqualz": "x", "Next": "A"})", true,
       "unknown field 'StringEqualz'"},
      {R"({"And": [], "Next": "A"})", true, "non-empty array"},
  };
  for (const auto& c : cases) {
    try {
      ChoiceRule::parse(Json::parse(c.rule), c.top_level);
      ADD_FAILURE() << c.rule;
    } catch (const FieldError& e) {
      EXPECT_NE(std::string(e.what()).find(c.message_part), std::string::npos)
          << c.rule << ": " << e.what();
    }
  }
  std::string nested = R"({"Variable": "$.a", "IsNull": true})";
  for (size_t i = 0; i < ChoiceRule::kMaxDepth + 1; ++i) nested = R"({"Not": )" + nested + "}";
  EXPECT_THROW(ChoiceRule::parse(Json::parse(nested), false), FieldError);
}

TEST(Definition, TheFinraWorkflowLoadsUnchanged) {
  // Faastlane's FINRA benchmark (github.com/csl-iisc/faastlane, benchmarks/finra/workflow.json
  // at 28de84af685e1f86905aa54c939c91b325091fed), byte for byte.
  std::ifstream file(std::string(WASMLET_WORKFLOW_TEST_DATA) + "/finra_workflow.json");
  std::stringstream text;
  text << file.rdbuf();
  std::vector<std::string> asked;
  auto def = parse_definition(text.str(), [&](const std::string& name) {
    asked.push_back(name);
    return true;
  });
  ASSERT_EQ(def->machine.states.size(), 2u);
  const State& fetch = def->machine.start();
  EXPECT_EQ(fetch.type, StateType::Parallel);
  EXPECT_EQ(fetch.branches.size(), 100u);
  EXPECT_EQ(fetch.branches[3].start().qualified, "FetchData100.Branches[3].trddate0");
  EXPECT_EQ(fetch.next, "CheckMarginBalance");
  EXPECT_EQ(def->machine.state("CheckMarginBalance").resource, "marginBalance");
  EXPECT_EQ(def->state_count, 102u);
  EXPECT_EQ(task_functions(*def), (std::vector<std::string>{"lastpx", "marginBalance", "marketdata",
                                                            "side", "trddate", "volume"}));
  EXPECT_EQ(asked.size(), 101u);
}

TEST(Definition, ParsesEveryStateTypeAndField) {
  auto def = parse(R"({
    "Comment": "all", "Version": "1.0", "TimeoutSeconds": 30, "StartAt": "T",
    "States": {
      "T": {"Type": "Task", "Resource": "f", "InputPath": "$.in", "Parameters": {"a.$": "$.x"},
            "ResultSelector": {"r.$": "$"}, "ResultPath": "$.out", "OutputPath": "$.out",
            "TimeoutSeconds": 2,
            "Retry": [{"ErrorEquals": ["E"], "IntervalSeconds": 0.5, "MaxAttempts": 0,
                       "BackoffRate": 1.5, "MaxDelaySeconds": 3}, {"ErrorEquals": ["States.ALL"]}],
            "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "F", "ResultPath": null}],
            "Next": "P"},
      "P": {"Type": "Parallel", "Branches": [{"StartAt": "S", "States": {"S": {"Type": "Succeed"}}}],
            "Next": "M"},
      "M": {"Type": "Map", "ItemsPath": "$.items", "MaxConcurrency": 2,
            "ItemSelector": {"v.$": "$$.Map.Item.Value"},
            "ItemProcessor": {"ProcessorConfig": {"Mode": "INLINE"}, "StartAt": "I",
                              "States": {"I": {"Type": "Pass", "End": true}}},
            "Next": "C"},
      "C": {"Type": "Choice", "Choices": [{"Variable": "$.a", "IsPresent": true, "Next": "W"}],
            "Default": "F"},
      "W": {"Type": "Wait", "Seconds": 1, "Next": "Pa"},
      "Pa": {"Type": "Pass", "Result": {"x": 1}, "ResultPath": null, "End": true},
      "F": {"Type": "Fail", "Error": "Bad", "Cause": "because"}
    }})");
  EXPECT_EQ(def->timeout, std::chrono::seconds(30));
  const State& t = def->machine.state("T");
  EXPECT_FALSE(t.passes_bytes);
  EXPECT_EQ(t.retry[0].interval, std::chrono::milliseconds(500));
  EXPECT_EQ(t.retry[0].max_attempts, 0u);
  EXPECT_EQ(t.retry[1].max_attempts, 3u);
  EXPECT_EQ(t.retry[1].interval, std::chrono::seconds(1));
  EXPECT_DOUBLE_EQ(t.retry[1].backoff_rate, 2.0);
  EXPECT_FALSE(t.catches[0].result_path.has_value());
  EXPECT_EQ(def->machine.state("M").max_concurrency, 2u);
  EXPECT_TRUE(def->machine.state("P").passes_bytes);
  EXPECT_FALSE(def->machine.state("Pa").result_path.has_value());
  EXPECT_EQ(def->machine.state("F").error, "Bad");
}

TEST(Definition, ValidationErrorsNameTheState) {
  auto exists = [](const std::string& name) { return name != "gone"; };
  const std::string task = R"("T": {"Type": "Task", "Resource": "f", "End": true})";
  struct Case {
    std::string definition;
    const char* expected;  // "STATE|PROBLEM-PART"
  } cases[] = {
      {"{\"StartAt\": ", "|invalid JSON"},
      {"[1]", "|must be a JSON object"},
      {R"({"StartAt": "T", "States": {)" + task + "}, \"Extra\": 1}",
       "|unknown top-level field 'Extra'"},
      {R"({"StartAt": "X", "States": {)" + task + "}}", "|StartAt 'X' is not a state"},
      {R"({"States": {)" + task + "}}", "|StartAt must name a state"},
      {R"({"StartAt": "T", "States": {}})", "|States must be a non-empty object"},
      {R"({"StartAt": "T", "States": {"T": {"Type": "Taks", "End": true}}})",
       "T|unknown state type 'Taks'"},
      {R"({"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "f", "End": true, "Nxt": "A"}}})",
       "T|unknown field 'Nxt' in a Task state"},
      {R"({"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "f"}}})",
       "T|needs Next or"},
      {R"({"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "f", "Next": "T", "End": true}}})",
       "T|both Next and End"},
      {R"({"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "f", "Next": "Nope"}}})",
       "T|Next 'Nope' is not a state"},
      {R"({"StartAt": "T", "States": {)" + task + R"(, "U": {"Type": "Succeed"}}})",
       "U|unreachable"},
      {R"({"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "gone", "End": true}}})",
       "T|Resource 'gone' is not a function"},
      {R"({"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "arn:aws:lambda:x", "End": true}}})",
       "T|is not a function name"},
      {R"({"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": 3, "End": true}}})",
       "T|Resource must name a function"},
      {R"({"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "f", "InputPath": "x", "End": true}}})",
       "T|invalid path 'x'"},
      {R"({"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "f", "ResultPath": "$[*]", "End": true}}})",
       "T|must be a reference path"},
      {R"({"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "f", "TimeoutSeconds": "1", "End": true}}})",
       "T|TimeoutSeconds must be"},
      {R"({"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "f", "End": true,
           "Retry": [{"ErrorEquals": ["States.ALL", "X"]}]}}})",
       "T|States.ALL must be alone"},
      {R"({"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "f", "End": true,
           "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "T"}, {"ErrorEquals": ["X"], "Next": "T"}]}}})",
       "T|States.ALL must be alone"},
      {R"({"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "f", "End": true,
           "Catch": [{"ErrorEquals": ["X"], "Next": "Nope"}]}}})",
       "T|a catcher's Next 'Nope'"},
      {R"({"StartAt": "C", "States": {"C": {"Type": "Choice", "Choices": []}}})",
       "C|Choices must be"},
      {R"({"StartAt": "C", "States": {"C": {"Type": "Choice"}}})", "C|Choices must be"},
      {R"({"StartAt": "C", "States": {"C": {"Type": "Choice", "Choices": [{"Variable": "$.a", "IsNull": true}]}}})",
       "C|Choices[0]: a Choice rule needs Next"},
      {R"({"StartAt": "C", "States": {"C": {"Type": "Choice", "Default": "Nope",
           "Choices": [{"Variable": "$.a", "IsNull": true, "Next": "C"}]}}})",
       "C|Default 'Nope'"},
      {R"({"StartAt": "S", "States": {"S": {"Type": "Succeed", "End": true}}})",
       "S|ends its machine: it has no End"},
      {R"({"StartAt": "F", "States": {"F": {"Type": "Fail", "Next": "F"}}})",
       "F|ends its machine: it has no Next"},
      {R"({"StartAt": "P", "States": {"P": {"Type": "Parallel", "Branches": [], "End": true}}})",
       "P|Branches must be a non-empty array"},
      {R"({"StartAt": "P", "States": {"P": {"Type": "Parallel", "End": true, "Branches": [
           {"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "B"}}}]}}})",
       "P.Branches[0].A|Next 'B' is not a state"},
      {R"({"StartAt": "L", "States": {"L": {"Type": "Map", "End": true, "Iterator":
           {"StartAt": "Step", "States": {"Step": {"Type": "Wait", "End": true}}}}}})",
       "L.Iterator.Step|exactly one of Seconds"},
      {R"({"StartAt": "L", "States": {"L": {"Type": "Map", "End": true}}})",
       "L|one of Iterator and ItemProcessor"},
      {R"({"StartAt": "L", "States": {"L": {"Type": "Map", "End": true, "Iterator":
           {"StartAt": "S", "ProcessorConfig": {}, "States": {"S": {"Type": "Succeed"}}}}}})",
       "L.Iterator|unknown field 'ProcessorConfig' in a state machine"},
      {R"({"StartAt": "P", "States": {"P": {"Type": "Parallel", "End": true, "Branches": [
           {"StartAt": "S", "Stats": 1, "States": {"S": {"Type": "Succeed"}}}]}}})",
       "P.Branches[0]|unknown field 'Stats' in a state machine"},
      {R"({"StartAt": "L", "States": {"L": {"Type": "Map", "End": true, "MaxConcurrency": -1, "Iterator":
           {"StartAt": "S", "States": {"S": {"Type": "Succeed"}}}}}})",
       "L|MaxConcurrency must be"},
      {R"({"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 1, "Timestamp": "2020-01-01T00:00:00Z", "End": true}}})",
       "W|exactly one of"},
      {R"({"StartAt": "W", "States": {"W": {"Type": "Wait", "Timestamp": "soon", "End": true}}})",
       "W|RFC 3339"},
      {R"j({"StartAt": "P", "States": {"P": {"Type": "Pass", "Parameters": {"a.$": "States.Format('x')"}, "End": true}}})j",
       "P|Parameters: 'a.$': intrinsic functions are not supported"},
      {R"({"StartAt": "P", "States": {"P": {"Type": "Pass", "Result": 1, "ResultSelector": {}, "End": true}}})",
       "P|unknown field 'ResultSelector' in a Pass state"},
  };
  for (const auto& c : cases) {
    std::string got = rejection(c.definition, exists);
    std::string expected = c.expected;
    auto bar = expected.find('|');
    EXPECT_EQ(got.substr(0, got.find('|')), expected.substr(0, bar)) << c.definition << "\n" << got;
    EXPECT_NE(got.find(expected.substr(bar + 1)), std::string::npos) << c.definition << "\n" << got;
  }
  try {
    parse_definition(R"({"StartAt": "T", "States": {"T": {"Type": "Nope"}}})", exists);
  } catch (const DefinitionError& e) {
    EXPECT_STREQ(e.what(), "state 'T': unknown state type 'Nope'");
  }
}

// A definition of Parallels nested `depth` deep.
std::string nested_parallels(size_t depth) {
  std::string machine = R"({"StartAt": "S", "States": {"S": {"Type": "Succeed"}}})";
  for (size_t i = 0; i < depth; ++i) {
    machine =
        R"({"StartAt": "P", "States": {"P": {"Type": "Parallel", "End": true, "Branches": [)" +
        machine + "]}}}";
  }
  return machine;
}

// Pass state `i` of a chain of kMaxStates + 1.
std::string chained_pass(size_t i) {
  bool last = i == DefinitionLimits::kMaxStates;
  return "\"s" + std::to_string(i) + "\": {\"Type\": \"Pass\", " +
         (last ? std::string("\"End\": true") : "\"Next\": \"s" + std::to_string(i + 1) + "\"") +
         "},";
}

TEST(Definition, BoundsOnSizeStatesNestingAndNames) {
  EXPECT_NO_THROW(parse(nested_parallels(DefinitionLimits::kMaxNesting)));
  EXPECT_NE(rejection(nested_parallels(DefinitionLimits::kMaxNesting + 1)).find("nest deeper"),
            std::string::npos);
  EXPECT_NE(rejection(std::string(DefinitionLimits::kMaxBytes + 1, ' ')).find("at most"),
            std::string::npos);
  EXPECT_NE(rejection(std::string(100000, '[')).find("nested deeper"), std::string::npos);
  std::string many = R"({"StartAt": "s0", "States": {)";
  for (size_t i = 0; i <= DefinitionLimits::kMaxStates; ++i) {
    many += chained_pass(i);
  }
  many.back() = '}';
  many += "}";
  EXPECT_NE(rejection(many).find("at most 10000 states"), std::string::npos);
  std::string long_name(DefinitionLimits::kMaxNameBytes + 1, 'n');
  EXPECT_NE(rejection(R"({"StartAt": ")" + long_name + R"(", "States": {")" + long_name +
                      R"(": {"Type": "Succeed"}}})")
                .find("1 to 128 bytes"),
            std::string::npos);
}

}  // namespace
}  // namespace wasmlet::workflow
