// Faasm's host-interface test: with input "1" a host call fails on purpose, and the call fails
// with the host's message; with any other input the host call does nothing and main returns 0.
extern "C" {
#include "faasm/host_interface.h"
#include "faasm/host_interface_test.h"
}

#include "faasm/faasm.h"

int main() {
  int test = faasm::getIntInput(0);
  __faasm_host_interface_test(test == 1 ? HostInterfaceTest::ExceptionPropagationTest
                                        : HostInterfaceTest::NoTest);
  faasm::setStringOutput("host call returned");
  return 0;
}
