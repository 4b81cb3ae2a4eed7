// The _wasmlet built-in module: the host's imports (Faasm's guest ABI and Wasmlet's call
// information) as Python functions, and immortalize() for the snapshot (immortal.c).
// pyfaasm.core and wasmlet wrap it; users never import it.
#define PY_SSIZE_T_CLEAN  // sizes of "#" formats are Py_ssize_t
#include <Python.h>
#include <faasm/host_interface.h>
#include <stdint.h>

#include "immortal.h"

// wasm32 `long` is 32 bits: every length the host sees must fit.
static int checked_long(Py_ssize_t n, long* out) {
  if (n < 0 || n > 0x7fffffff) {
    PyErr_SetString(PyExc_OverflowError, "length does not fit the host interface");
    return 0;
  }
  *out = (long)n;
  return 1;
}

static PyObject* host_string(void (*get)(unsigned char*, long)) {
  unsigned char buf[512];
  get(buf, sizeof buf);
  buf[sizeof buf - 1] = 0;
  return PyUnicode_FromString((const char*)buf);
}

static PyObject* read_input(PyObject* self, PyObject* args) {
  long len = __faasm_read_input(NULL, 0);
  PyObject* out = PyBytes_FromStringAndSize(NULL, len);
  if (out != NULL && len > 0) __faasm_read_input((unsigned char*)PyBytes_AS_STRING(out), len);
  return out;
}

static PyObject* input_len(PyObject* self, PyObject* args) {
  return PyLong_FromLong(__faasm_read_input(NULL, 0));
}

static PyObject* write_output(PyObject* self, PyObject* args) {
  Py_buffer data;
  long n;
  if (!PyArg_ParseTuple(args, "y*", &data)) return NULL;
  if (checked_long(data.len, &n)) __faasm_write_output(data.buf, n);
  PyBuffer_Release(&data);
  if (PyErr_Occurred()) return NULL;
  Py_RETURN_NONE;
}

static PyObject* py_user(PyObject* self, PyObject* a) { return host_string(__faasm_get_py_user); }
static PyObject* py_func(PyObject* self, PyObject* a) { return host_string(__faasm_get_py_func); }
static PyObject* py_entry(PyObject* self, PyObject* a) { return host_string(__faasm_get_py_entry); }

static PyObject* call_id(PyObject* self, PyObject* args) {
  return PyLong_FromLongLong(__wasmlet_call_id());
}

static PyObject* remaining_ms(PyObject* self, PyObject* args) {
  return PyLong_FromLongLong(__wasmlet_remaining_ms());
}

static PyObject* set_error(PyObject* self, PyObject* args) {
  const char* text;
  Py_ssize_t len;
  long n;
  if (!PyArg_ParseTuple(args, "s#", &text, &len)) return NULL;
  if (!checked_long(len, &n)) return NULL;
  __wasmlet_set_error(text, n);
  Py_RETURN_NONE;
}

static PyObject* chain(PyObject* args, unsigned int (*start)(const char*, const unsigned char*, long)) {
  const char* name;
  Py_buffer data;
  long n;
  if (!PyArg_ParseTuple(args, "sy*", &name, &data)) return NULL;
  unsigned int id = 0;
  if (checked_long(data.len, &n)) id = start(name, data.buf, n);
  PyBuffer_Release(&data);
  if (PyErr_Occurred()) return NULL;
  return PyLong_FromUnsignedLong(id);
}

static PyObject* chain_py(PyObject* self, PyObject* args) { return chain(args, __faasm_chain_py); }
static PyObject* chain_name(PyObject* self, PyObject* args) {
  return chain(args, __faasm_chain_name);
}

static PyObject* await_call(PyObject* self, PyObject* args) {
  unsigned int id;
  if (!PyArg_ParseTuple(args, "I", &id)) return NULL;
  return PyLong_FromLong(__faasm_await_call(id));
}

static PyObject* await_call_output(PyObject* self, PyObject* args) {
  unsigned int id;
  if (!PyArg_ParseTuple(args, "I", &id)) return NULL;
  char* out = NULL;
  int len = 0;
  int code = __faasm_await_call_output(id, &out, &len);
  return Py_BuildValue("(iy#)", code, out, (Py_ssize_t)len);
}

static PyObject* conf_flag(PyObject* self, PyObject* args) {
  const char* key;
  if (!PyArg_ParseTuple(args, "s", &key)) return NULL;
  return PyBool_FromLong(__faasm_conf_flag(key) != 0);
}

static PyObject* state_size(PyObject* self, PyObject* args) {
  const char* key;
  if (!PyArg_ParseTuple(args, "s", &key)) return NULL;
  return PyLong_FromLong(__faasm_read_state(key, NULL, 0));
}

static PyObject* read_state(PyObject* self, PyObject* args) {
  const char* key;
  Py_ssize_t len;
  long n;
  if (!PyArg_ParseTuple(args, "sn", &key, &len) || !checked_long(len, &n)) return NULL;
  PyObject* out = PyBytes_FromStringAndSize(NULL, len);
  if (out != NULL && n > 0) __faasm_read_state(key, (unsigned char*)PyBytes_AS_STRING(out), n);
  return out;
}

static PyObject* read_state_offset(PyObject* self, PyObject* args) {
  const char* key;
  Py_ssize_t total, off, len;
  long t, o, n;
  if (!PyArg_ParseTuple(args, "snnn", &key, &total, &off, &len)) return NULL;
  if (!checked_long(total, &t) || !checked_long(off, &o) || !checked_long(len, &n)) return NULL;
  PyObject* out = PyBytes_FromStringAndSize(NULL, len);
  if (out != NULL) __faasm_read_state_offset(key, t, o, (unsigned char*)PyBytes_AS_STRING(out), n);
  return out;
}

// A writable view onto the value's shared segment, mapped into this Faaslet's memory: reads
// and writes are plain loads and stores, no copies.
static PyObject* read_state_ptr(PyObject* self, PyObject* args) {
  const char* key;
  Py_ssize_t total;
  long t;
  if (!PyArg_ParseTuple(args, "sn", &key, &total) || !checked_long(total, &t)) return NULL;
  unsigned char* p = __faasm_read_state_ptr(key, t);
  return PyMemoryView_FromMemory((char*)p, total, PyBUF_WRITE);
}

static PyObject* read_state_offset_ptr(PyObject* self, PyObject* args) {
  const char* key;
  Py_ssize_t total, off, len;
  long t, o, n;
  if (!PyArg_ParseTuple(args, "snnn", &key, &total, &off, &len)) return NULL;
  if (!checked_long(total, &t) || !checked_long(off, &o) || !checked_long(len, &n)) return NULL;
  unsigned char* p = __faasm_read_state_offset_ptr(key, t, o, n);
  return PyMemoryView_FromMemory((char*)p, len, PyBUF_WRITE);
}

static PyObject* write_state(PyObject* self, PyObject* args) {
  const char* key;
  Py_buffer data;
  long n;
  if (!PyArg_ParseTuple(args, "sy*", &key, &data)) return NULL;
  if (checked_long(data.len, &n)) __faasm_write_state(key, data.buf, n);
  PyBuffer_Release(&data);
  if (PyErr_Occurred()) return NULL;
  Py_RETURN_NONE;
}

static PyObject* write_state_offset(PyObject* self, PyObject* args) {
  const char* key;
  Py_ssize_t total, off;
  Py_buffer data;
  long t, o, n;
  if (!PyArg_ParseTuple(args, "snny*", &key, &total, &off, &data)) return NULL;
  if (checked_long(total, &t) && checked_long(off, &o) && checked_long(data.len, &n)) {
    __faasm_write_state_offset(key, t, o, data.buf, n);
  }
  PyBuffer_Release(&data);
  if (PyErr_Occurred()) return NULL;
  Py_RETURN_NONE;
}

static PyObject* write_state_from_file(PyObject* self, PyObject* args) {
  const char* key;
  const char* path;
  if (!PyArg_ParseTuple(args, "ss", &key, &path)) return NULL;
  return PyLong_FromUnsignedLong(__faasm_write_state_from_file(key, path));
}

static PyObject* append_state(PyObject* self, PyObject* args) {
  const char* key;
  Py_buffer data;
  long n;
  if (!PyArg_ParseTuple(args, "sy*", &key, &data)) return NULL;
  if (checked_long(data.len, &n)) __faasm_append_state(key, data.buf, n);
  PyBuffer_Release(&data);
  if (PyErr_Occurred()) return NULL;
  Py_RETURN_NONE;
}

static PyObject* read_appended_state(PyObject* self, PyObject* args) {
  const char* key;
  Py_ssize_t len, elems;
  long n, e;
  if (!PyArg_ParseTuple(args, "snn", &key, &len, &elems)) return NULL;
  if (!checked_long(len, &n) || !checked_long(elems, &e)) return NULL;
  PyObject* out = PyBytes_FromStringAndSize(NULL, len);
  if (out != NULL) __faasm_read_appended_state(key, (unsigned char*)PyBytes_AS_STRING(out), n, e);
  return out;
}

static PyObject* flag_state_dirty(PyObject* self, PyObject* args) {
  const char* key;
  Py_ssize_t total;
  long t;
  if (!PyArg_ParseTuple(args, "sn", &key, &total) || !checked_long(total, &t)) return NULL;
  __faasm_flag_state_dirty(key, t);
  Py_RETURN_NONE;
}

static PyObject* flag_state_offset_dirty(PyObject* self, PyObject* args) {
  const char* key;
  Py_ssize_t total, off, len;
  long t, o, n;
  if (!PyArg_ParseTuple(args, "snnn", &key, &total, &off, &len)) return NULL;
  if (!checked_long(total, &t) || !checked_long(off, &o) || !checked_long(len, &n)) return NULL;
  __faasm_flag_state_offset_dirty(key, t, o, n);
  Py_RETURN_NONE;
}

static PyObject* pull_state(PyObject* self, PyObject* args) {
  const char* key;
  Py_ssize_t len;
  long n;
  if (!PyArg_ParseTuple(args, "sn", &key, &len) || !checked_long(len, &n)) return NULL;
  __faasm_pull_state(key, n);
  Py_RETURN_NONE;
}

static PyObject* push_state_partial_mask(PyObject* self, PyObject* args) {
  const char *key, *mask;
  if (!PyArg_ParseTuple(args, "ss", &key, &mask)) return NULL;
  __faasm_push_state_partial_mask(key, mask);
  Py_RETURN_NONE;
}

// The state calls that take only a key.
#define KEY_CALL(name)                                     \
  static PyObject* name(PyObject* self, PyObject* args) { \
    const char* key;                                       \
    if (!PyArg_ParseTuple(args, "s", &key)) return NULL;   \
    __faasm_##name(key);                                   \
    Py_RETURN_NONE;                                        \
  }
KEY_CALL(clear_appended_state)
KEY_CALL(push_state)
KEY_CALL(push_state_partial)
KEY_CALL(lock_state_read)
KEY_CALL(unlock_state_read)
KEY_CALL(lock_state_write)
KEY_CALL(unlock_state_write)

static PyMethodDef methods[] = {
    {"read_input", read_input, METH_NOARGS, "The call's input as bytes."},
    {"input_len", input_len, METH_NOARGS, "The input's length."},
    {"write_output", write_output, METH_VARARGS, "Sets the call's output."},
    {"py_user", py_user, METH_NOARGS, "The function's user."},
    {"py_func", py_func, METH_NOARGS, "The function's name."},
    {"py_entry", py_entry, METH_NOARGS, "The entry this call runs ('': the default)."},
    {"call_id", call_id, METH_NOARGS, "This call's id."},
    {"remaining_ms", remaining_ms, METH_NOARGS, "Milliseconds left before the deadline."},
    {"set_error", set_error, METH_VARARGS, "Reports why the call failed."},
    {"chain_py", chain_py, METH_VARARGS, "Calls a function of this module in a new Faaslet."},
    {"chain_name", chain_name, METH_VARARGS, "Calls another function of this user."},
    {"await_call", await_call, METH_VARARGS, "Waits for a chained call: its return code."},
    {"await_call_output", await_call_output, METH_VARARGS, "Waits: (return code, output)."},
    {"conf_flag", conf_flag, METH_VARARGS, "A configuration flag."},
    {"state_size", state_size, METH_VARARGS, "A state value's size."},
    {"read_state", read_state, METH_VARARGS, "Reads a state value."},
    {"read_state_offset", read_state_offset, METH_VARARGS, "Reads part of a state value."},
    {"read_state_ptr", read_state_ptr, METH_VARARGS, "A state value as a shared memoryview."},
    {"read_state_offset_ptr", read_state_offset_ptr, METH_VARARGS, "Part of one, likewise."},
    {"write_state", write_state, METH_VARARGS, "Writes a state value."},
    {"write_state_offset", write_state_offset, METH_VARARGS, "Writes part of a state value."},
    {"write_state_from_file", write_state_from_file, METH_VARARGS, "A file's bytes as state."},
    {"append_state", append_state, METH_VARARGS, "Appends to a state value."},
    {"read_appended_state", read_appended_state, METH_VARARGS, "Reads appended elements."},
    {"clear_appended_state", clear_appended_state, METH_VARARGS, "Clears appended elements."},
    {"flag_state_dirty", flag_state_dirty, METH_VARARGS, "Marks a value changed."},
    {"flag_state_offset_dirty", flag_state_offset_dirty, METH_VARARGS, "Marks a range changed."},
    {"push_state", push_state, METH_VARARGS, "Pushes a value to the global tier."},
    {"push_state_partial", push_state_partial, METH_VARARGS, "Pushes its changed chunks."},
    {"push_state_partial_mask", push_state_partial_mask, METH_VARARGS, "Pushes masked bytes."},
    {"pull_state", pull_state, METH_VARARGS, "Pulls a value from the global tier."},
    {"lock_state_read", lock_state_read, METH_VARARGS, "Takes a global read lock."},
    {"unlock_state_read", unlock_state_read, METH_VARARGS, "Releases it."},
    {"lock_state_write", lock_state_write, METH_VARARGS, "Takes a global write lock."},
    {"unlock_state_write", unlock_state_write, METH_VARARGS, "Releases it."},
    {"immortalize", wasmlet_immortalize, METH_O, "Marks a snapshot's objects immortal."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_wasmlet",
                                    "Wasmlet's host interface.", -1, methods};

PyMODINIT_FUNC PyInit__wasmlet(void) { return PyModule_Create(&module); }

void wasmlet_report_exception(void) {
  PyObject *type, *value, *tb;
  PyErr_Fetch(&type, &value, &tb);
  PyErr_NormalizeException(&type, &value, &tb);
  PyObject* text = NULL;
  PyObject* traceback = PyImport_ImportModule("traceback");
  if (traceback != NULL && type != NULL) {
    PyObject* lines = PyObject_CallMethod(traceback, "format_exception", "OOO", type,
                                          value ? value : Py_None, tb ? tb : Py_None);
    PyObject* empty = PyUnicode_FromString("");
    if (lines != NULL && empty != NULL) text = PyUnicode_Join(empty, lines);
    Py_XDECREF(lines);
    Py_XDECREF(empty);
  }
  Py_ssize_t len = 0;
  const char* s = text ? PyUnicode_AsUTF8AndSize(text, &len) : NULL;
  if (s == NULL) {
    s = "a Python error that could not be formatted\n";
    len = (Py_ssize_t)strlen(s);
  }
  fwrite(s, 1, (size_t)len, stderr);
  fflush(stderr);
  __wasmlet_set_error(s, (long)len);
  PyErr_Clear();
  Py_XDECREF(text);
  Py_XDECREF(traceback);
  Py_XDECREF(type);
  Py_XDECREF(value);
  Py_XDECREF(tb);
}
