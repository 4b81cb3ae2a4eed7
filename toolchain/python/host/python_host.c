// Wasmlet's CPython host program: the interpreter as a reactor module with two exports.
//   _faasm_zygote    starts the interpreter and imports the function's module (through
//                    wasmlet._runner.load); Wasmlet snapshots the instance right after, so
//                    calls never pay for start-up or import.
//   wasmlet_py_call  runs one call (wasmlet._runner.call) and returns its return code.
// The _wasmlet built-in module (wasmlet_module.c) gives Python the host's imports.
#define PY_SSIZE_T_CLEAN  // sizes of "#" formats are Py_ssize_t
#include <Python.h>

PyMODINIT_FUNC PyInit__wasmlet(void);

static PyObject* runner_call;

// Reports a pending Python exception as the call's error and on stderr.
void wasmlet_report_exception(void);

static int fail_status(PyStatus status) {
  fprintf(stderr, "wasmlet: cannot start Python: %s%s%s\n", status.func ? status.func : "",
          status.func ? ": " : "", status.err_msg ? status.err_msg : "unknown error");
  return 1;
}

__attribute__((export_name("_faasm_zygote"))) int wasmlet_zygote(void) {
  PyPreConfig pre;
  PyPreConfig_InitIsolatedConfig(&pre);
  pre.utf8_mode = 1;  // WASI has no locale: file names and streams are UTF-8
  PyStatus status = Py_PreInitialize(&pre);
  if (PyStatus_Exception(status)) return fail_status(status);

  if (PyImport_AppendInittab("_wasmlet", PyInit__wasmlet) != 0) return 1;

  PyConfig config;
  PyConfig_InitIsolatedConfig(&config);
  config.site_import = 1;  // exit() and quit(), as functions written for Faasm expect
  config.write_bytecode = 0;  // the standard library and the package are read-only
  config.install_signal_handlers = 0;
  config.use_hash_seed = 0;
  status = PyConfig_SetString(&config, &config.home, L"/usr/local");
  if (!PyStatus_Exception(status)) {
    config.module_search_paths_set = 1;
    const wchar_t* paths[] = {L"/function", L"/usr/local/lib/wasmlet", L"/usr/local/lib/python3.11"};
    for (size_t i = 0; i < sizeof paths / sizeof paths[0] && !PyStatus_Exception(status); ++i) {
      status = PyWideStringList_Append(&config.module_search_paths, paths[i]);
    }
  }
  if (!PyStatus_Exception(status)) status = Py_InitializeFromConfig(&config);
  PyConfig_Clear(&config);
  if (PyStatus_Exception(status)) return fail_status(status);

  PyObject* runner = PyImport_ImportModule("wasmlet._runner");
  PyObject* loaded = runner ? PyObject_CallMethod(runner, "load", NULL) : NULL;
  if (loaded == NULL) wasmlet_report_exception();
  int ok = loaded == Py_True;  // False: load() has reported why
  Py_XDECREF(loaded);
  if (!ok) {
    Py_XDECREF(runner);
    return 1;
  }
  runner_call = PyObject_GetAttrString(runner, "call");
  Py_DECREF(runner);
  return runner_call ? 0 : 1;
}

__attribute__((export_name("wasmlet_py_call"))) int wasmlet_py_call(void) {
  if (runner_call == NULL) return 1;
  PyObject* result = PyObject_CallNoArgs(runner_call);
  if (result == NULL) {  // the runner reports its function's exceptions; this is its own
    wasmlet_report_exception();
    return 1;
  }
  long code = PyLong_AsLong(result);
  Py_DECREF(result);
  return (int)code;
}
