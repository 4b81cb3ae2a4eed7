// Marks a Faaslet's snapshot immortal: every object reachable from the given roots gets the
// count the interpreter's patch (toolchain/python/patches/immortal-objects.patch) never
// changes. A call then reads the snapshot's modules, functions, code, types and constants
// without writing their counts, so it dirties (and its reset copies back) only the pages it
// really changes. Immortal objects are never freed; every call starts from the snapshot again,
// so what a call drops is gone with the call's memory all the same.
#include "immortal.h"

#include <stddef.h>

// Objects waiting for their references to be followed. An object is marked when pushed, so
// the mark is the visited set and each object is pushed once.
typedef struct {
  PyObject** items;
  size_t len;
  size_t cap;
  size_t marked;
} Pending;

static int push(Pending* p, PyObject* op) {
  if (op == NULL || _Py_IsImmortal(op)) return 0;
  if (p->len == p->cap) {
    size_t cap = p->cap == 0 ? 4096 : p->cap * 2;
    PyObject** items = PyMem_RawRealloc(p->items, cap * sizeof *items);
    if (items == NULL) {
      PyErr_NoMemory();
      return -1;
    }
    p->items = items;
    p->cap = cap;
  }
  Py_SET_REFCNT(op, _Py_IMMORTAL_INITIAL);
  p->items[p->len++] = op;
  ++p->marked;
  return 0;
}

static int visit(PyObject* op, void* arg) { return push((Pending*)arg, op); }

static int push_all(Pending* p, PyObject* const* refs, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    if (push(p, refs[i]) < 0) return -1;
  }
  return 0;
}
#define PUSH_ALL(p, refs) push_all(p, refs, sizeof refs / sizeof *refs)

// The references of one object: its type, what its type's traversal reports (only for objects
// the collector tracks: a static type's traversal aborts the interpreter), and the references
// of the kinds that have none (static types, code).
static int follow(Pending* p, PyObject* op) {
  if (push(p, (PyObject*)Py_TYPE(op)) < 0) return -1;
  traverseproc traverse = Py_TYPE(op)->tp_traverse;
  if (PyObject_IS_GC(op) && traverse != NULL && traverse(op, visit, p) < 0) return -1;
  if (PyType_Check(op) && !PyType_HasFeature((PyTypeObject*)op, Py_TPFLAGS_HEAPTYPE)) {
    PyTypeObject* type = (PyTypeObject*)op;
    PyObject* refs[] = {type->tp_dict, type->tp_bases, type->tp_mro, (PyObject*)type->tp_base};
    if (PUSH_ALL(p, refs) < 0) return -1;
  } else if (PyCode_Check(op)) {
    PyCodeObject* code = (PyCodeObject*)op;
    PyObject* refs[] = {code->co_consts,
                        code->co_names,
                        code->co_exceptiontable,
                        code->co_localsplusnames,
                        code->co_localspluskinds,
                        code->co_filename,
                        code->co_name,
                        code->co_qualname,
                        code->co_linetable};
    if (PUSH_ALL(p, refs) < 0) return -1;
  }
  return 0;
}

// The interpreter's singletons, which every call uses and no container need hold.
static int push_singletons(Pending* p) {
  PyObject* fixed[] = {Py_None, Py_True, Py_False, Py_Ellipsis, Py_NotImplemented};
  if (PUSH_ALL(p, fixed) < 0) return -1;
  // The cached small integers and empty values: each call below returns the cached object.
  for (long i = -5; i <= 256; ++i) {
    PyObject* n = PyLong_FromLong(i);
    if (n == NULL || push(p, n) < 0) return -1;
  }
  PyObject* empty[] = {PyTuple_New(0), PyBytes_FromStringAndSize(NULL, 0), PyUnicode_New(0, 0)};
  for (size_t i = 0; i < sizeof empty / sizeof *empty; ++i) {
    if (empty[i] == NULL || push(p, empty[i]) < 0) return -1;
  }
  return 0;
}

PyObject* wasmlet_immortalize(PyObject* self, PyObject* roots) {
  (void)self;
  PyObject* seq = PySequence_Fast(roots, "immortalize() takes a sequence of objects");
  if (seq == NULL) return NULL;
  Pending p = {0};
  int failed = push_singletons(&p);
  Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
  PyObject** items = PySequence_Fast_ITEMS(seq);
  for (Py_ssize_t i = 0; failed == 0 && i < n; ++i) failed = push(&p, items[i]);
  while (failed == 0 && p.len > 0) failed = follow(&p, p.items[--p.len]);
  PyMem_RawFree(p.items);
  Py_DECREF(seq);
  return failed == 0 ? PyLong_FromSize_t(p.marked) : NULL;
}
