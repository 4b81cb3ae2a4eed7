// _wasmlet.immortalize(roots): marks a snapshot's objects immortal (see immortal.c).
#pragma once
#define PY_SSIZE_T_CLEAN
#include <Python.h>

// Marks every object reachable from the sequence `roots`, and the interpreter's singletons,
// immortal. Returns how many objects it marked, or NULL with an exception set.
PyObject* wasmlet_immortalize(PyObject* self, PyObject* roots);
