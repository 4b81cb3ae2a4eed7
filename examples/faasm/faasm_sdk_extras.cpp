// Faasm's remaining SDK headers as Faasm functions use them: a state-backed AsyncArray
// (array.h, state.h), printArray (print.h), siprintf (emscripten.h), the OpenMP markup
// (shared_mem.h), memory.h, conf flags and backtraces. Output: one "name=ok|FAILED" word per check.
#include <faasm/array.h>
#include <faasm/emscripten.h>
#include <faasm/faasm.h>
#include <faasm/memory.h>
#include <faasm/print.h>
#include <faasm/shared_mem.h>
#include <faasm/state.h>
#include <string.h>

#include <string>

static std::string verdict(const char* name, bool ok) {
  return std::string(name) + (ok ? "=ok " : "=FAILED ");
}

int main() {
  std::string out;

  // AsyncArray: zeroed everywhere, written in place, the dirty elements pushed.
  faasm::AsyncArray<double> arr("faasm_sdk_array", 4);
  arr.zero();
  bool zeroed = true;
  for (size_t i = 0; i < arr.size(); ++i) zeroed = zeroed && arr.data()[i] == 0.0;
  arr[1] = 2.5;
  arr[3] = -1.0;
  arr.push();
  arr.pull();
  out += verdict("array", zeroed && arr.data()[1] == 2.5 && arr.data()[3] == -1.0);

  // maskDouble: the two 32-bit mask words of element 1 set, the others untouched.
  unsigned int mask[6] = {0, 0, 0, 0, 0, 0};
  faasm::maskDouble(mask, 1);
  out += verdict("mask",
                 mask[0] == 0 && mask[2] == BIT_MASK_32 && mask[3] == BIT_MASK_32 && mask[4] == 0);

  // printArray: Faasm's "[a, b, c]" on stdout.
  int ints[3] = {1, -2, 3};
  faasm::printArray(ints, 3);
  printf("\n");
  faasm::printArray(arr.data(), 2);
  printf("\n");
  out += verdict("print", true);

  char buf[32];
  siprintf(buf, "Hi %s %i", "foobar", 123);
  out += verdict("siprintf", strcmp(buf, "Hi foobar 123") == 0);

  // One thread per Faaslet: the markup leaves the variables as they are.
  int counter = 20;
  double values[2] = {1.0, 2.0};
  FAASM_REDUCE(counter, FAASM_TYPE_INT, FAASM_OP_SUM);
  FAASM_SHARED_ARRAY(values, FAASM_TYPE_DOUBLE, 2);
  FAASM_SHARED_VAR(counter, FAASM_TYPE_INT);
  out += verdict("shared_mem", counter == 20 && values[1] == 2.0);

  // Conf flags, and a backtrace request (noted on stderr: guests carry no unwind tables).
  out +=
      verdict("conf", faasmGetConfFlag("ALWAYS_ON") == 1 && faasmGetConfFlag("ALWAYS_OFF") == 0 &&
                          faasmGetConfFlag("NO_SUCH_FLAG") == 0);
  faasmBacktrace(3);

  out.pop_back();
  faasm::setStringOutput(out);
  return 0;
}
