// Fork-join inside one module: chaining by function pointer runs another function of this
// same module in its own Faaslet. main chains fnA and fnB; fnA in turn chains fnB (a nested
// chain) and waits for it. Each awaits its children's output and builds its own from them.
// Output: "A(1)>B(1) B(2)".
#include <faasm/faasm.h>
#include <faasm/input.h>

#include <string>

// Starts fn (a function of this module) in a new Faaslet with the given input.
static unsigned int start(FaasmFuncPtr fn, const std::string& input) {
  return faasmChain(fn, reinterpret_cast<const uint8_t*>(input.data()),
                    static_cast<long>(input.size()));
}

// Waits for a chained call; its output, or "" with *rc != 0 when it failed.
static std::string await(unsigned int id, int* rc) {
  char* out = nullptr;
  int outLen = 0;
  *rc = faasmAwaitCallOutput(id, &out, &outLen);
  return *rc == 0 ? std::string(out, static_cast<size_t>(outLen)) : std::string();
}

// The leaf: wraps its input as "B(<input>)".
static int fnB() {
  std::string in = faasm::getStringInput("");
  faasm::setStringOutput("B(" + in + ")");
  return 0;
}

// The middle: chains fnB with its own input, then reports "A(<input>)><fnB's output>".
static int fnA() {
  std::string in = faasm::getStringInput("");
  int rc = 0;
  std::string b = await(start(fnB, in), &rc);
  if (rc != 0) return 1;
  faasm::setStringOutput("A(" + in + ")>" + b);
  return 0;
}

int main() {
  // Fork both children first, then join: they run concurrently.
  unsigned int idA = start(fnA, "1");
  unsigned int idB = start(fnB, "2");
  int rcA = 0, rcB = 0;
  std::string a = await(idA, &rcA);
  std::string b = await(idB, &rcB);
  if (rcA != 0 || rcB != 0) return 1;
  faasm::setStringOutput(a + " " + b);
  return 0;
}
