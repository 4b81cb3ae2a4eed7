/* Faasm's test-only host call, written for Wasmlet's SDK: asks the host to misbehave in a known
 * way, so that tests can see how the runtime reports it. */
#ifndef FAASM_HOST_INTERFACE_TEST_H
#define FAASM_HOST_INTERFACE_TEST_H

#ifdef __cplusplus
extern "C" {
#endif

/* Faasm's test numbers. */
enum HostInterfaceTest {
  NoTest = 0,
  /* The host call fails with an error: the call fails with it, the runtime carries on. */
  ExceptionPropagationTest = 1,
};

__attribute__((import_module("env"), import_name("__faasm_host_interface_test"))) void
__faasm_host_interface_test(int testNumber);

#ifdef __cplusplus
}
#endif

#endif
