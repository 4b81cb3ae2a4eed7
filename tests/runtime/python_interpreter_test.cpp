// How a Python function's Faaslets are configured beyond a C function's.
#include "runtime/python_interpreter.h"

#include <gtest/gtest.h>

#include "faaslet/function_config.h"
#include "runtime/function_store.h"

namespace wasmlet {
namespace {

// Python Faaslets keep more written pages, and take no heap reserve: the zygote's warm-up has
// grown the heap already, and the reserve made light Flask requests slower.
TEST(PythonInterpreter, PythonFunctionsKeepMorePagesAndTakeNoHeapReserve) {
  runtime::PythonInterpreter python("/no/python/home");
  faaslet::FunctionConfig config;
  ASSERT_GT(config.limits.heap_reserve_bytes, 0u);
  runtime::FunctionInfo info;
  info.kind = runtime::FunctionKind::Python;
  info.python_entry = {"handler", "main"};
  python.configure(config, info, "/store/demo/handler");
  EXPECT_EQ(config.limits.heap_reserve_bytes, 0u);
  EXPECT_GE(config.limits.kept_pages, runtime::kPythonKeptPages);
}

}  // namespace
}  // namespace wasmlet
