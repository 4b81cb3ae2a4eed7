// Workflow runs on a real runtime with small C guests: bytes between steps, every state type
// and path field, Retry and Catch, Parallel and Map fan-out, Wait, time limits, cancellation
// and the execution history.
#include "workflow/run.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <future>

#include "test_support.h"

namespace wasmlet::workflow {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using runtime::CallRecord;
using runtime::CallStatus;

constexpr auto kWait = 120s;  // a bound on any run here; never reached unless broken

class WorkflowRunTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = test::fresh_test_dir("workflow-tests");
    test::share_compile_cache(dir_);
    runtime::RuntimeConfig config;
    config.data_dir = dir_;
    config.executor_threads = 2;
    runtime_ = std::make_unique<runtime::Runtime>(std::move(config));
    for (const char* guest : {"wf_echo", "wf_add", "wf_fail", "wf_slow"}) {
      runtime_->upload_wasm({"alice", std::string(guest).substr(3)}, test::guest_bytes(guest));
    }
  }

  void TearDown() override { runtime_->shutdown(); }

  std::shared_ptr<const Definition> define(const std::string& text) {
    return parse_definition(text, [this](const std::string& name) {
      return runtime_->function({"alice", name}).has_value();
    });
  }

  CallRecord run(const std::string& definition, std::string input,
                 std::chrono::nanoseconds time_limit = 0ns,
                 std::shared_ptr<runtime::CallNode> node = nullptr) {
    RunRequest request;
    request.workflow = {"alice", "flow"};
    request.call_id = 77;
    request.input = std::move(input);
    request.node = node ? node : runtime::CallNode::root({});
    request.time_limit = time_limit;
    auto done = std::make_shared<std::promise<CallRecord>>();
    auto result = done->get_future();
    auto calls = std::make_shared<std::atomic<int>>(0);
    start_run(*runtime_, timers_, define(definition), std::move(request),
              [done, calls](CallRecord r) {
                if (calls->fetch_add(1) == 0) done->set_value(std::move(r));
              });
    EXPECT_EQ(result.wait_for(kWait), std::future_status::ready);
    auto record = result.get();
    EXPECT_EQ(calls->load(), 1);
    return record;
  }

  static Json history(const CallRecord& r) { return Json::parse(r.history); }

  fs::path dir_;
  std::unique_ptr<runtime::Runtime> runtime_;
  Timers timers_;
};

// "P0" -> "P1" -> ... Pass states, the last one ending the machine.
std::string chain_of_passes(int n) {
  std::string states;
  for (int i = 0; i < n; ++i) {
    if (i > 0) states += ",";
    states += "\"P" + std::to_string(i) + "\": {\"Type\": \"Pass\", " +
              (i + 1 == n ? std::string("\"End\": true}")
                          : "\"Next\": \"P" + std::to_string(i + 1) + "\"}");
  }
  return states;
}

TEST_F(WorkflowRunTest, TasksInSequenceHandOnTheirBytesUntouched) {
  // Not JSON at all: nothing parses it, so it arrives as it left.
  auto r = run(R"({"StartAt": "A", "States": {
      "A": {"Type": "Task", "Resource": "echo", "Next": "B"},
      "B": {"Type": "Task", "Resource": "echo", "End": true}}})",
               "  raw <bytes> not json ");
  ASSERT_EQ(r.status, CallStatus::Succeeded) << r.error_message;
  EXPECT_EQ(r.output, "  raw <bytes> not json ");
  auto h = history(r);
  ASSERT_EQ(h.size(), 2u);
  EXPECT_EQ(h[0]["state"], "A");
  EXPECT_EQ(h[0]["type"], "Task");
  EXPECT_EQ(h[0]["path"], "");
  EXPECT_EQ(h[0]["input_bytes"], 23);
  EXPECT_EQ(h[0]["output_bytes"], 23);
  EXPECT_EQ(h[0]["retries"], 0);
  // Step B's call starts after step A's ended, and each entry's times are ordered.
  EXPECT_LE(h[0]["end_ns"].get<int64_t>(), h[1]["start_ns"].get<int64_t>());
  for (const auto& e : h) {
    EXPECT_LE(e["entered_ns"].get<int64_t>(), e["start_ns"].get<int64_t>());
    EXPECT_LE(e["start_ns"].get<int64_t>(), e["end_ns"].get<int64_t>());
    EXPECT_LE(e["end_ns"].get<int64_t>(), e["exited_ns"].get<int64_t>());
    EXPECT_GT(e["call_id"].get<uint64_t>(), 0u);
  }
}

TEST_F(WorkflowRunTest, AParallelJoinsItsBranchesBytesWithoutParsingThem) {
  auto r = run(R"({"StartAt": "P", "States": {"P": {"Type": "Parallel", "End": true, "Branches": [
      {"StartAt": "A", "States": {"A": {"Type": "Task", "Resource": "echo", "End": true}}},
      {"StartAt": "B", "States": {"B": {"Type": "Task", "Resource": "echo", "End": true}}}]}}})",
               "not json");
  ASSERT_EQ(r.status, CallStatus::Succeeded) << r.error_message;
  EXPECT_EQ(r.output, "[not json,not json]");
}

TEST_F(WorkflowRunTest, PathsAndTemplatesShapeEachStepsData) {
  auto r = run(R"({"StartAt": "Add", "States": {
      "Add": {"Type": "Task", "Resource": "add", "InputPath": "$.args",
              "Parameters": {"x.$": "$.start", "exec.$": "$$.Execution.Id"},
              "ResultSelector": {"value.$": "$.x", "state.$": "$$.State.Name"},
              "ResultPath": "$.result", "OutputPath": "$.result", "Next": "Shape"},
      "Shape": {"Type": "Pass", "Parameters": {"v.$": "$.value", "input.$": "$$.Execution.Input.args",
                "name.$": "$$.Execution.Name"}, "ResultPath": "$.shaped", "Next": "Drop"},
      "Drop": {"Type": "Pass", "Result": "ignored", "ResultPath": null, "OutputPath": "$.shaped",
               "End": true}}})",
               R"({"args": {"start": 41}})");
  ASSERT_EQ(r.status, CallStatus::Succeeded) << r.error_message;
  EXPECT_EQ(Json::parse(r.output),
            Json::parse(R"({"v": 42, "input": {"start": 41}, "name": "flow"})"));
}

TEST_F(WorkflowRunTest, NullPathsMeanEmptyInputAndDiscardedResults) {
  auto r = run(R"({"StartAt": "A", "States": {
      "A": {"Type": "Task", "Resource": "echo", "InputPath": null, "ResultPath": "$.got", "Next": "B"},
      "B": {"Type": "Pass", "OutputPath": null, "End": true}}})",
               R"({"keep": true})");
  ASSERT_EQ(r.status, CallStatus::Succeeded) << r.error_message;
  EXPECT_EQ(Json::parse(r.output), Json::object());
  auto h = history(r);
  EXPECT_EQ(h[0]["input_bytes"], 2);  // "{}"
}

TEST_F(WorkflowRunTest, ChoiceRoutesAndDefaultAndNoMatchFails) {
  const std::string def = R"({"StartAt": "C", "States": {
      "C": {"Type": "Choice", "Choices": [
              {"Variable": "$.n", "NumericLessThan": 0, "Next": "Neg"},
              {"And": [{"Variable": "$.n", "NumericGreaterThan": 10},
                       {"Not": {"Variable": "$.tag", "StringMatches": "skip*"}}], "Next": "Big"}],
            "Default": "Small"},
      "Neg": {"Type": "Pass", "Result": "neg", "End": true},
      "Big": {"Type": "Pass", "Result": "big", "End": true},
      "Small": {"Type": "Pass", "Result": "small", "End": true}}})";
  EXPECT_EQ(run(def, R"({"n": -1})").output, "\"neg\"");
  EXPECT_EQ(run(def, R"({"n": 11, "tag": "keep"})").output, "\"big\"");
  EXPECT_EQ(run(def, R"({"n": 11, "tag": "skipped"})").output, "\"small\"");
  auto r = run(R"({"StartAt": "C", "States": {
      "C": {"Type": "Choice", "Choices": [{"Variable": "$.n", "IsNull": true, "Next": "S"}]},
      "S": {"Type": "Succeed"}}})",
               R"({"n": 1})");
  EXPECT_EQ(r.status, CallStatus::Failed);
  EXPECT_EQ(r.error_kind, "States.NoChoiceMatched");
  EXPECT_EQ(r.error_message, "state 'C': no rule matched");
}

TEST_F(WorkflowRunTest, FailStateAndAFailingTask) {
  auto f = run(
      R"({"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "My.Error", "Cause": "it broke"}}})",
      "{}");
  EXPECT_EQ(f.status, CallStatus::Failed);
  EXPECT_EQ(f.error_kind, "My.Error");
  EXPECT_EQ(f.error_message, "state 'F': it broke");
  auto t =
      run(R"({"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "fail", "End": true}}})",
          "{}");
  EXPECT_EQ(t.error_kind, "States.TaskFailed");
  EXPECT_EQ(t.error_message, "state 'T': returned 1");
  EXPECT_EQ(history(t)[0]["error"], "States.TaskFailed");
}

TEST_F(WorkflowRunTest, RetryThenCatchPutsTheErrorIntoTheInput) {
  auto r = run(R"({"StartAt": "T", "States": {
      "T": {"Type": "Task", "Resource": "fail", "Next": "Never",
            "Retry": [{"ErrorEquals": ["Other"], "MaxAttempts": 5},
                      {"ErrorEquals": ["States.TaskFailed"], "IntervalSeconds": 0.01,
                       "MaxAttempts": 2, "BackoffRate": 1.0}],
            "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.failure", "Next": "Handled"}]},
      "Never": {"Type": "Fail", "Error": "Unexpected"},
      "Handled": {"Type": "Pass", "End": true}}})",
               R"({"id": 9})");
  ASSERT_EQ(r.status, CallStatus::Succeeded) << r.error_message;
  EXPECT_EQ(Json::parse(r.output),
            Json::parse(
                R"({"id": 9, "failure": {"Error": "States.TaskFailed", "Cause": "returned 1"}})"));
  auto h = history(r);
  ASSERT_EQ(h.size(), 2u);
  EXPECT_EQ(h[0]["retries"], 2);
  EXPECT_EQ(h[0]["error"], "States.TaskFailed");
  EXPECT_EQ(h[1]["state"], "Handled");
  EXPECT_LE(h[0]["exited_ns"].get<int64_t>(), h[1]["entered_ns"].get<int64_t>());
}

TEST_F(WorkflowRunTest, MaxDelaySecondsCapsTheBackoff) {
  // Uncapped, the third attempt would wait 10,000 s: the run could not end within kWait.
  auto r = run(R"({"StartAt": "T", "States": {
      "T": {"Type": "Task", "Resource": "fail", "End": true,
            "Retry": [{"ErrorEquals": ["States.TaskFailed"], "IntervalSeconds": 0.01,
                       "BackoffRate": 1000, "MaxAttempts": 3, "MaxDelaySeconds": 0.02}]}}})",
               "{}");
  EXPECT_EQ(r.error_kind, "States.TaskFailed");
  EXPECT_EQ(history(r)[0]["retries"], 3);
}

TEST_F(WorkflowRunTest, MaxAttemptsZeroNeverRetries) {
  auto r = run(R"({"StartAt": "T", "States": {
      "T": {"Type": "Task", "Resource": "fail", "End": true,
            "Retry": [{"ErrorEquals": ["States.ALL"], "MaxAttempts": 0}]}}})",
               "{}");
  EXPECT_EQ(r.error_kind, "States.TaskFailed");
  EXPECT_EQ(history(r)[0]["retries"], 0);
}

TEST_F(WorkflowRunTest, AHundredParallelBranchesOnTwoExecutorsKeepTheirOrder) {
  std::string branches;
  for (int i = 0; i < 100; ++i) {
    if (i > 0) branches += ",";
    branches += R"({"StartAt": "B", "States": {"B": {"Type": "Task", "Resource": "add", )" +
                std::string(R"("Parameters": {"x": )") + std::to_string(i) + R"(}, "End": true}}})";
  }
  auto r =
      run(R"({"StartAt": "P", "States": {"P": {"Type": "Parallel", "Branches": [)" + branches +
              R"(], "Next": "Last"}, "Last": {"Type": "Task", "Resource": "echo", "End": true}}})",
          "{}");
  ASSERT_EQ(r.status, CallStatus::Succeeded) << r.error_message;
  Json out = Json::parse(r.output);
  ASSERT_EQ(out.size(), 100u);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(out[i]["x"], i + 1);
  auto h = history(r);
  EXPECT_EQ(h.size(), 102u);
  std::set<std::string> paths;
  for (const auto& e : h) paths.insert(e["path"].get<std::string>());
  EXPECT_TRUE(paths.contains("P/0"));
  EXPECT_TRUE(paths.contains("P/99"));
}

// A tenant may queue 8 calls here: a Parallel of 100 Task branches keeps at most 4 in flight
// and finishes, instead of having the rest refused.
TEST_F(WorkflowRunTest, AParallelWiderThanTheTenantsQueueWaitsForItsOwnBranches) {
  runtime_->shutdown();
  runtime::RuntimeConfig config;
  config.data_dir = dir_;
  config.executor_threads = 2;
  config.queue.per_tenant = 8;
  runtime_ = std::make_unique<runtime::Runtime>(std::move(config));
  std::string branches;
  for (int i = 0; i < 100; ++i) {
    if (i > 0) branches += ",";
    branches +=
        R"({"StartAt": "B", "States": {"B": {"Type": "Task", "Resource": "echo", "End": true}}})";
  }
  auto r = run(R"({"StartAt": "P", "States": {"P": {"Type": "Parallel", "Branches": [)" + branches +
                   R"(], "End": true}}})",
               "1");
  ASSERT_EQ(r.status, CallStatus::Succeeded) << r.error_kind << ": " << r.error_message;
  EXPECT_EQ(Json::parse(r.output).size(), 100u);
}

TEST_F(WorkflowRunTest, AFailingBranchFailsTheParallelAndCatchSeesIt) {
  auto r = run(R"({"StartAt": "P", "States": {
      "P": {"Type": "Parallel", "Next": "Ok",
            "Branches": [{"StartAt": "A", "States": {"A": {"Type": "Task", "Resource": "echo", "End": true}}},
                         {"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "Branch.Bad", "Cause": "no"}}}],
            "Catch": [{"ErrorEquals": ["Branch.Bad"], "Next": "Caught"}]},
      "Ok": {"Type": "Succeed"},
      "Caught": {"Type": "Pass", "End": true}}})",
               "{}");
  ASSERT_EQ(r.status, CallStatus::Succeeded) << r.error_message;
  EXPECT_EQ(Json::parse(r.output), Json::parse(R"({"Error": "Branch.Bad", "Cause": "no"})"));
  auto u = run(R"({"StartAt": "P", "States": {
      "P": {"Type": "Parallel", "End": true,
            "Branches": [{"StartAt": "F", "States": {"F": {"Type": "Task", "Resource": "fail", "End": true}}}]}}})",
               "{}");
  EXPECT_EQ(u.error_kind, "States.TaskFailed");
  EXPECT_EQ(u.error_message, "state 'P.Branches[0].F': returned 1");
}

TEST_F(WorkflowRunTest, MapRunsItemsWithinMaxConcurrencyInOrder) {
  auto r = run(R"({"StartAt": "M", "States": {
      "M": {"Type": "Map", "ItemsPath": "$.items", "MaxConcurrency": 2,
            "ItemSelector": {"x.$": "$$.Map.Item.Value", "i.$": "$$.Map.Item.Index", "k.$": "$.k"},
            "Iterator": {"StartAt": "Add", "States": {"Add": {"Type": "Task", "Resource": "add", "End": true}}},
            "ResultPath": "$.out", "End": true}}})",
               R"({"k": 1, "items": [10, 20, 30, 40, 50]})");
  ASSERT_EQ(r.status, CallStatus::Succeeded) << r.error_message;
  Json out = Json::parse(r.output);
  EXPECT_EQ(out["out"], Json::parse(R"([{"x":11},{"x":21},{"x":31},{"x":41},{"x":51}])"));
  EXPECT_EQ(out["k"], 1);
  // No more than two iterations' calls overlap: every third starts after the first ended.
  auto h = history(r);
  std::vector<std::pair<int64_t, int64_t>> calls;
  for (const auto& e : h) {
    if (e["type"] == "Task") calls.emplace_back(e["start_ns"], e["end_ns"]);
  }
  ASSERT_EQ(calls.size(), 5u);
  for (const auto& [start, end] : calls) {
    int overlapping = 0;
    for (const auto& [s2, e2] : calls) overlapping += s2 <= start && start < e2 ? 1 : 0;
    EXPECT_LE(overlapping, 2);
  }
  auto empty = run(R"({"StartAt": "M", "States": {"M": {"Type": "Map", "End": true,
      "Iterator": {"StartAt": "S", "States": {"S": {"Type": "Succeed"}}}}}})",
                   "[]");
  EXPECT_EQ(empty.output, "[]");
}

TEST_F(WorkflowRunTest, ManyStatesThatFinishAtOnceNeitherNestNorOverflowTheHistory) {
  // A Map whose 10,001 iterations finish as they start, and a long chain of Pass states: both
  // run in loops (a recursion per state would exhaust the stack), and the history stops at
  // 10,000 entries with a count of the rest.
  std::string items = "[0";
  for (int i = 0; i < 10000; ++i) items += ",0";
  items += "]";
  auto r = run(R"({"StartAt": "M", "States": {"M": {"Type": "Map", "Next": "P0",
      "Iterator": {"StartAt": "I", "States": {"I": {"Type": "Pass", "Result": 1, "End": true}}}},)" +
                   chain_of_passes(5000) + "}}",
               items);
  ASSERT_EQ(r.status, CallStatus::Succeeded) << r.error_message;
  EXPECT_EQ(Json::parse(r.output).size(), 10001u);
  auto h = history(r);
  ASSERT_EQ(h.size(), RunLimits::kMaxHistory + 1);
  EXPECT_EQ(h.back(), Json::parse(R"({"truncated": 5002})"));
}

TEST_F(WorkflowRunTest, AFailedBranchCancelsItsSiblingsCalls) {
  auto r = run(R"({"StartAt": "P", "States": {"P": {"Type": "Parallel", "End": true, "Branches": [
      {"StartAt": "Slow", "States": {"Slow": {"Type": "Task", "Resource": "slow", "End": true}}},
      {"StartAt": "Wait", "States": {"Wait": {"Type": "Wait", "Seconds": 0.05, "Next": "F"},
                                     "F": {"Type": "Fail", "Error": "Branch.Bad"}}}]}}})",
               "60000");
  EXPECT_EQ(r.error_kind, "Branch.Bad");
  EXPECT_EQ(r.error_message, "state 'P.Branches[1].F': Branch.Bad");
  // The slow call was interrupted, not left to run its minute out.
  runtime_->shutdown();
  EXPECT_EQ((runtime_->metrics().invocations[{"alice/slow", "cancelled"}]), 1u);
}

TEST_F(WorkflowRunTest, WaitStatesWaitThenGoOn) {
  auto r = run(R"({"StartAt": "W1", "States": {
      "W1": {"Type": "Wait", "Seconds": 0.05, "Next": "W2"},
      "W2": {"Type": "Wait", "SecondsPath": "$.s", "Next": "W3"},
      "W3": {"Type": "Wait", "Timestamp": "2001-01-01T00:00:00Z", "Next": "W4"},
      "W4": {"Type": "Wait", "TimestampPath": "$.t", "End": true}}})",
               R"({"s": 0.01, "t": "2001-01-01T00:00:00Z"})");
  ASSERT_EQ(r.status, CallStatus::Succeeded) << r.error_message;
  EXPECT_EQ(Json::parse(r.output), Json::parse(R"({"s": 0.01, "t": "2001-01-01T00:00:00Z"})"));
  auto h = history(r);
  ASSERT_EQ(h.size(), 4u);
  // The 50 ms wait is between W1's entry and its exit.
  EXPECT_GE(h[0]["exited_ns"].get<int64_t>() - h[0]["entered_ns"].get<int64_t>(), 50000000);
}

TEST_F(WorkflowRunTest, TheTimeLimitFailsTheRunAndCancelsItsTask) {
  auto r = run(
      R"({"StartAt": "Slow", "States": {"Slow": {"Type": "Task", "Resource": "slow", "End": true}}})",
      "30000", 200ms);
  EXPECT_EQ(r.status, CallStatus::Failed);
  EXPECT_EQ(r.error_kind, "States.Timeout");
  EXPECT_EQ(r.error_message.rfind("state 'Slow': ", 0), 0u) << r.error_message;
  auto d = run(
      R"({"TimeoutSeconds": 0.2, "StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 3600, "End": true}}})",
      "{}");
  EXPECT_EQ(d.error_kind, "States.Timeout");
}

TEST_F(WorkflowRunTest, ATaskTimeoutIsStatesTimeoutAndNotTaskFailed) {
  auto r = run(R"({"StartAt": "Slow", "States": {"Slow": {"Type": "Task", "Resource": "slow",
      "TimeoutSeconds": 0.1, "End": true,
      "Catch": [{"ErrorEquals": ["States.TaskFailed"], "Next": "Wrong"}]},
      "Wrong": {"Type": "Succeed"}}})",
               "30000");
  EXPECT_EQ(r.error_kind, "States.Timeout");
}

TEST_F(WorkflowRunTest, ACancelledRunFailsAsCancelled) {
  auto node = runtime::CallNode::root({});
  RunRequest request;
  request.workflow = {"alice", "flow"};
  request.input = "30000";
  request.node = node;
  std::promise<CallRecord> done;
  auto result = done.get_future();
  start_run(
      *runtime_, timers_,
      define(
          R"({"StartAt": "Slow", "States": {"Slow": {"Type": "Task", "Resource": "slow", "End": true}}})"),
      std::move(request), [&done](CallRecord r) { done.set_value(std::move(r)); });
  node->cancel("the client went away");
  ASSERT_EQ(result.wait_for(kWait), std::future_status::ready);
  auto r = result.get();
  EXPECT_EQ(r.error_kind, "Wasmlet.Cancelled");
  EXPECT_NE(r.error_message.find("the client went away"), std::string::npos) << r.error_message;
}

TEST_F(WorkflowRunTest, ADeletedFunctionFailsItsTask) {
  auto def =
      define(R"({"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "echo", "End": true,
      "Catch": [{"ErrorEquals": ["States.TaskFailed"], "Next": "Gone"}]},
      "Gone": {"Type": "Pass", "End": true}}})");
  ASSERT_TRUE(runtime_->remove_function({"alice", "echo"}));
  RunRequest request;
  request.workflow = {"alice", "flow"};
  request.node = runtime::CallNode::root({});
  std::promise<CallRecord> done;
  auto result = done.get_future();
  start_run(*runtime_, timers_, def, std::move(request),
            [&done](CallRecord r) { done.set_value(std::move(r)); });
  ASSERT_EQ(result.wait_for(kWait), std::future_status::ready);
  auto r = result.get();
  ASSERT_EQ(r.status, CallStatus::Succeeded) << r.error_message;
  EXPECT_EQ(Json::parse(r.output)["Error"], "States.TaskFailed");
  EXPECT_NE(Json::parse(r.output)["Cause"].get<std::string>().find("echo"), std::string::npos);
}

TEST_F(WorkflowRunTest, DataAPathCannotApplyToFailsTheState) {
  auto r = run(
      R"({"StartAt": "P", "States": {"P": {"Type": "Pass", "InputPath": "$.missing", "End": true}}})",
      "{}");
  EXPECT_EQ(r.error_kind, "States.Runtime");
  EXPECT_NE(r.error_message.find("state 'P': InputPath '$.missing'"), std::string::npos)
      << r.error_message;
}

TEST_F(WorkflowRunTest, StatesThatCopyTheirInputCannotGrowItWithoutBound) {
  // Each state doubles its input: 40 of them would make terabytes from a few bytes. `fields`
  // holds "{0}" where the state's number goes.
  auto doubling = [](std::string_view fields) {
    std::string states;
    for (int i = 0; i < 40; ++i) {
      std::string next = i + 1 == 40 ? R"("End": true)" : fmt::format(R"("Next": "S{}")", i + 1);
      states += (i ? "," : "") + fmt::format(R"("S{}": {{"Type": "Pass", {}, {}}})", i,
                                             fmt::format(fmt::runtime(fields), i), next);
    }
    return R"({"StartAt": "S0", "States": {)" + states + "}}";
  };
  // Both copies made by a template, or the input kept with itself as the result beside it.
  for (std::string_view fields :
       {R"("Parameters": {{"a.$": "$", "b.$": "$"}})", R"("ResultPath": "$.copy{0}")"}) {
    auto r = run(doubling(fields), R"({"x": [0, 0, 0, 0, 0, 0, 0, 0, 0, 0]})");
    EXPECT_EQ(r.status, CallStatus::Failed) << fields;
    EXPECT_EQ(r.error_kind, "States.Runtime") << fields;
    EXPECT_NE(r.error_message.find("more than 16777216 bytes"), std::string::npos)
        << r.error_message;
  }
}

TEST_F(WorkflowRunTest, TaskErrorsMapToStatesLanguageNames) {
  struct Case {
    const char* kind;
    const char* message;
    int rc;
    const char* error;
    const char* cause;
  } cases[] = {
      {"timeout", "deadline", 0, "States.Timeout", "deadline"},
      {"exception", "Traceback...\n  File x\nValueError: bad input\n", 0, "ValueError",
       "ValueError: bad input"},
      {"exception", "Traceback\nmod.Custom: x", 0, "States.TaskFailed", "Traceback\nmod.Custom: x"},
      {"out_of_bounds", "memory access out of bounds", 0, "States.TaskFailed",
       "memory access out of bounds"},
      {"", "", 3, "States.TaskFailed", "returned 3"},
  };
  for (const auto& c : cases) {
    CallRecord record;
    record.status = CallStatus::Failed;
    record.error_kind = c.kind;
    record.error_message = c.message;
    record.return_code = c.rc;
    auto e = task_error(record);
    EXPECT_EQ(e.error, c.error) << c.message;
    EXPECT_EQ(e.cause, c.cause) << c.message;
  }
}

TEST(Timers, RunCallbacksInDueOrderAndDropPendingOnesWhenDestroyed) {
  std::vector<int> order;
  std::promise<void> second;
  auto done = second.get_future();
  auto ran_late = std::make_shared<std::atomic<bool>>(false);
  {
    Timers timers;
    timers.after(30ms, [&] {
      order.push_back(2);
      second.set_value();
    });
    timers.after(0ms, [&] { order.push_back(1); });
    timers.after(3600s, [ran_late] { ran_late->store(true); });
    ASSERT_EQ(done.wait_for(kWait), std::future_status::ready);
    EXPECT_EQ(timers.pending(), 1u);
  }
  EXPECT_EQ(order, (std::vector<int>{1, 2}));
  EXPECT_FALSE(ran_late->load());
}

}  // namespace
}  // namespace wasmlet::workflow
