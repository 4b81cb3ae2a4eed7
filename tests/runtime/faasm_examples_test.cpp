// The Faasm-style example functions (examples/faasm), end to end through the real runtime:
// each is uploaded under user "demo" with its file name as function name, invoked, and its
// output and effects on the state tier checked.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <fstream>
#include <future>
#include <initializer_list>
#include <string>
#include <vector>

#include "runtime/runtime.h"
#include "test_support.h"

namespace wasmlet {
namespace {

namespace fs = std::filesystem;
using runtime::CallRecord;
using runtime::CallStatus;
using runtime::FunctionId;

constexpr const char* kUser = "demo";

class FaasmExamplesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = test::fresh_test_dir("faasm-examples-tests");
    test::share_compile_cache(dir_);
    runtime::RuntimeConfig config;
    config.data_dir = dir_;
    rt_ = std::make_unique<runtime::Runtime>(std::move(config));
  }

  void upload(std::initializer_list<const char*> names) {
    for (const char* name : names) {
      auto bytes = test::guest_bytes(name);
      rt_->upload_wasm({kUser, name}, bytes);
    }
  }

  CallRecord call(const std::string& name, std::string input = "") {
    std::promise<CallRecord> done;
    auto result = done.get_future();
    rt_->submit({{kUser, name}, std::move(input)}, [&](const CallRecord& r) { done.set_value(r); });
    return result.get();
  }

  // The call's output, after checking that it succeeded.
  std::string run(const std::string& name, std::string input = "") {
    CallRecord r = call(name, std::move(input));
    EXPECT_EQ(r.status, CallStatus::Succeeded)
        << name << ": rc " << r.return_code << ", " << r.error_kind << ": " << r.error_message;
    return r.output;
  }

  fs::path dir_;
  std::unique_ptr<runtime::Runtime> rt_;
};

TEST_F(FaasmExamplesTest, EchoReturnsItsInputByteForByte) {
  upload({"faasm_echo"});
  std::string binary("a\0b\xff", 4);
  EXPECT_EQ(run("faasm_echo", binary), binary);
  EXPECT_EQ(run("faasm_echo", ""), "");
}

TEST_F(FaasmExamplesTest, ChainByPointerWithANestedChain) {
  upload({"faasm_chain"});
  // main -> fnA -> fnB, and main -> fnB: four Faaslets, outputs combined on the way back.
  EXPECT_EQ(run("faasm_chain"), "A(1)>B(1) B(2)");
}

TEST_F(FaasmExamplesTest, ChainByNameAndAwait) {
  upload({"faasm_chain_named", "faasm_echo"});
  CallRecord r = call("faasm_chain_named");
  EXPECT_EQ(r.status, CallStatus::Succeeded) << r.error_message;
  EXPECT_EQ(r.output, "faasm_echo returned 0");
}

TEST_F(FaasmExamplesTest, ChainByNameHandsTheCalleesOutputBack) {
  upload({"faasm_chain_output", "faasm_echo"});
  EXPECT_EQ(run("faasm_chain_output", "ping"), "ping");
  EXPECT_EQ(run("faasm_chain_output"), "no input");
}

TEST_F(FaasmExamplesTest, ChainingAFunctionThatIsNotThereFailsTheCaller) {
  upload({"faasm_chain_output"});  // faasm_echo deliberately missing
  CallRecord r = call("faasm_chain_output", "ping");
  EXPECT_EQ(r.status, CallStatus::Failed);
}

TEST_F(FaasmExamplesTest, StateWriteThenRead) {
  upload({"faasm_state"});
  EXPECT_EQ(run("faasm_state", "hello state"), "hello state");
  EXPECT_EQ(rt_->state().get(kUser, "faasm_state_value"), "hello state");  // write_state pushes
  EXPECT_EQ(run("faasm_state"), "state value");
  EXPECT_EQ(rt_->state().get(kUser, "faasm_state_value"), "state value");
}

TEST_F(FaasmExamplesTest, StateByOffset) {
  upload({"faasm_state_offset"});
  EXPECT_EQ(run("faasm_state_offset"), "right...");
  EXPECT_EQ(rt_->state().get(kUser, "faasm_state_offset"), "left....right...");
}

TEST_F(FaasmExamplesTest, MappedStateIsSharedOnOneHostWithoutPushOrPull) {
  upload({"faasm_state_shared_write", "faasm_state_shared_read"});
  EXPECT_EQ(run("faasm_state_shared_write", "shared bytes"), "wrote 12 bytes");
  EXPECT_EQ(run("faasm_state_shared_read"), "shared bytes");
  EXPECT_EQ(run("faasm_state_shared_write", "again"), "wrote 5 bytes");
  EXPECT_EQ(run("faasm_state_shared_read"), "again");
  // Neither pushed: the bytes went through the shared segment, not the global tier.
  EXPECT_FALSE(rt_->state().get(kUser, "faasm_shared"));
}

TEST_F(FaasmExamplesTest, AppendedStateReadsBackInOrder) {
  upload({"faasm_state_append"});
  EXPECT_EQ(run("faasm_state_append", "4"), "0,10,20,30");
  std::vector<std::string> elements = rt_->state().read_appended(kUser, "faasm_appended", 10);
  ASSERT_EQ(elements.size(), 4u);
  for (size_t i = 0; i < elements.size(); ++i) {
    ASSERT_EQ(elements[i].size(), sizeof(int32_t));
    int32_t v = 0;
    std::memcpy(&v, elements[i].data(), sizeof v);  // wasm32 and x86-64 are little-endian
    EXPECT_EQ(v, static_cast<int32_t>(i * 10));
  }
  EXPECT_EQ(run("faasm_state_append"), "0,10,20");  // cleared first, default of 3
  EXPECT_EQ(rt_->state().read_appended(kUser, "faasm_appended", 10).size(), 3u);
}

TEST_F(FaasmExamplesTest, ZygoteRunsOnceBeforeTheSnapshot) {
  upload({"faasm_zygote"});
  const std::string expected = "zygote runs: 1, sum of squares: 285";
  // Every call sees the snapshot taken after the zygote, not the previous call's changes.
  for (int i = 0; i < 3; ++i) EXPECT_EQ(run("faasm_zygote"), expected);
}

TEST_F(FaasmExamplesTest, ConvenienceHeadersWork) {
  upload({"faasm_helpers"});
  CallRecord r = call("faasm_helpers", "3 1 2");
  EXPECT_EQ(r.status, CallStatus::Succeeded) << r.error_message;
  EXPECT_TRUE(r.output.starts_with("parse=ok int=ok compare=ok time=ok random=ok ")) << r.output;
  // compareArrays reports a mismatch on stdout, as Faasm's does.
  EXPECT_NE(r.stdout_text.find("Arrays not equal: A=[3, 1, 2] B=[3, 1, 4]"), std::string::npos)
      << r.stdout_text;
}

TEST_F(FaasmExamplesTest, FileHelpersWriteAndReadTheScratchTmp) {
  upload({"faasm_helpers"});
  CallRecord r = call("faasm_helpers", "3 1 2");
  EXPECT_EQ(r.status, CallStatus::Succeeded) << r.error_message;
  EXPECT_TRUE(r.output.ends_with(" files=ok")) << r.output;
}

// What `wasmlet cc` links, as Faasm's toolchain does: each check is one call of faasm_libc.
TEST_F(FaasmExamplesTest, ClockAndProcessClocksAdvance) {
  upload({"faasm_libc"});
  EXPECT_EQ(run("faasm_libc", "clock"), "clock: ok");
}

TEST_F(FaasmExamplesTest, AnonymousMmapAndMunmap) {
  upload({"faasm_libc"});
  EXPECT_EQ(run("faasm_libc", "mmap"), "mmap: ok");
}

TEST_F(FaasmExamplesTest, ReadOnlyFileMmap) {
  upload({"faasm_libc"});
  EXPECT_EQ(run("faasm_libc", "mmap_file"), "mmap_file: ok");
}

TEST_F(FaasmExamplesTest, LongDoublePrintsAndParses) {
  upload({"faasm_libc"});
  EXPECT_EQ(run("faasm_libc", "long_double"), "long_double: ok");
}

TEST_F(FaasmExamplesTest, DeepStackFitsTheDefaultFourMiB) {
  upload({"faasm_libc"});
  EXPECT_EQ(run("faasm_libc", "deep_stack"), "deep_stack: ok");
}

TEST_F(FaasmExamplesTest, ErrnoLocationIsErrno) {
  upload({"faasm_libc"});
  EXPECT_EQ(run("faasm_libc", "errno"), "errno: ok");
}

TEST_F(FaasmExamplesTest, RemainingSdkHeadersWork) {
  upload({"faasm_sdk_extras"});
  CallRecord r = call("faasm_sdk_extras");
  EXPECT_EQ(r.status, CallStatus::Succeeded) << r.error_message;
  EXPECT_EQ(r.output, "array=ok mask=ok print=ok siprintf=ok shared_mem=ok conf=ok");
  EXPECT_NE(r.stderr_text.find("backtrace requested (depth 3)"), std::string::npos)
      << r.stderr_text;
  EXPECT_EQ(r.stdout_text, "[1, -2, 3]\n[0.000000, 2.500000]\n");
  // The array's pushed value is in the global tier: zeros but for elements 1 and 3.
  auto value = rt_->state().get(kUser, "faasm_sdk_array");
  ASSERT_TRUE(value);
  ASSERT_EQ(value->size(), 4 * sizeof(double));
  double elements[4];
  std::memcpy(elements, value->data(), sizeof elements);
  EXPECT_EQ(elements[0], 0.0);
  EXPECT_EQ(elements[1], 2.5);
  EXPECT_EQ(elements[3], -1.0);
}

TEST_F(FaasmExamplesTest, EnvironmentIsFaasms) {
  upload({"faasm_environment"});
  fs::create_directories(dir_ / "shared" / "faasm_shared");
  std::ofstream(dir_ / "shared" / "faasm_shared" / "data.txt") << "shared bytes";
  EXPECT_EQ(run("faasm_environment"),
            "argv=ok env=ok etc=ok user=ok waitpid=ok tty=ok dup=ok shared=ok");
  // setenv in one call is gone by the next: every call starts from the snapshot. So is the
  // working directory's copy of data.txt, and the shared file never changed.
  EXPECT_EQ(run("faasm_environment"),
            "argv=ok env=ok etc=ok user=ok waitpid=ok tty=ok dup=ok shared=ok");
  std::ifstream in(dir_ / "shared" / "faasm_shared" / "data.txt");
  EXPECT_EQ(std::string(std::istreambuf_iterator<char>(in), {}), "shared bytes");
}

TEST_F(FaasmExamplesTest, WorkingDirectoryFilesLastOneCallAndFaasmFilesAreShared) {
  upload({"faasm_files"});
  rt_->upload_wasm({kUser, "faasm_files_reader"}, test::guest_bytes("faasm_files"));
  EXPECT_EQ(run("faasm_files", "local"), "local=ok");
  EXPECT_EQ(run("faasm_files", "local_gone"), "local=absent");
  EXPECT_EQ(run("faasm_files", "share:written by one"), "wrote 14 bytes");
  EXPECT_EQ(run("faasm_files_reader", "read"), "written by one");
  std::ifstream in(dir_ / "shared" / "faasm_files.txt");
  EXPECT_EQ(std::string(std::istreambuf_iterator<char>(in), {}), "written by one");
}

TEST_F(FaasmExamplesTest, ArgvIsTheCallsArgumentsAfterFunctionWasm) {
  upload({"faasm_argv"});
  runtime::Invocation with_args{{kUser, "faasm_argv"}, ""};
  with_args.args = {"a", "", "c d"};
  std::promise<CallRecord> done;
  rt_->submit(std::move(with_args), [&](const CallRecord& r) { done.set_value(r); });
  CallRecord r = done.get_future().get();
  EXPECT_EQ(r.status, CallStatus::Succeeded) << r.error_message;
  EXPECT_EQ(r.output, "argc=4 [function.wasm] [a] [] [c d]");
  // The arguments were that call's: the next one (on the same Faaslet) has argv[0] only.
  EXPECT_EQ(run("faasm_argv"), "argc=1 [function.wasm]");
}

TEST_F(FaasmExamplesTest, AHostCallFailureFailsTheCallOnly) {
  upload({"faasm_host_failure"});
  CallRecord failed = call("faasm_host_failure", "1");
  EXPECT_EQ(failed.status, CallStatus::Failed);
  EXPECT_NE(failed.error_message.find("a host call failed on purpose"), std::string::npos)
      << failed.error_message;
  // The runtime, the function and its next call are unaffected.
  EXPECT_EQ(run("faasm_host_failure", "0"), "host call returned");
}

}  // namespace
}  // namespace wasmlet
