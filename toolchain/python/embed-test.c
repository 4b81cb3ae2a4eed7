/* Link test for the embedding library produced by build.sh.
 *
 * build.sh compiles and links this against include/ + link-libs.txt to prove that a
 * program embedding CPython links with no undefined symbols (only WASI imports).
 * Running it needs a WASI runtime with the stdlib mapped into the guest at
 * PREFIX/lib/python3.11 (PREFIX defaults to /usr/local, or argv[1]).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdio.h>

static const char script[] =
    "import sys\n"
    "ok, bad = [], []\n"
    "for name in ('json', 're', 'math', 'decimal', 'hashlib', 'struct', 'collections',\n"
    "             'dataclasses', 'datetime', 'random', 'base64', 'zlib'):\n"
    "    try:\n"
    "        __import__(name)\n"
    "        ok.append(name)\n"
    "    except ImportError as e:\n"
    "        bad.append(f'{name} ({e})')\n"
    "import json, decimal, hashlib\n"
    "print(json.dumps({'python': sys.version.split()[0], 'platform': sys.platform,\n"
    "                  'sum': str(decimal.Decimal('0.1') + decimal.Decimal('0.2')),\n"
    "                  'sha256': hashlib.sha256(b'wasmlet').hexdigest()[:16],\n"
    "                  'imported': ok, 'unavailable': bad}))\n";

int main(int argc, char **argv) {
    const char *prefix = argc > 1 ? argv[1] : "/usr/local";
    char stdlib[1024];
    snprintf(stdlib, sizeof stdlib, "%s/lib/python3.11", prefix);

    PyConfig config;
    PyConfig_InitIsolatedConfig(&config);
    config.pathconfig_warnings = 0;
    config.write_bytecode = 0;          /* the stdlib tree is read-only and precompiled */
    PyStatus status = PyConfig_SetBytesString(&config, &config.home, prefix);
    if (PyStatus_Exception(status)) goto fail;
    config.module_search_paths_set = 1;
    wchar_t *wstdlib = Py_DecodeLocale(stdlib, NULL);
    if (wstdlib == NULL) { fprintf(stderr, "cannot decode %s\n", stdlib); return 1; }
    status = PyWideStringList_Append(&config.module_search_paths, wstdlib);
    PyMem_RawFree(wstdlib);
    if (PyStatus_Exception(status)) goto fail;

    status = Py_InitializeFromConfig(&config);
    if (PyStatus_Exception(status)) goto fail;
    PyConfig_Clear(&config);

    int rc = PyRun_SimpleString(script);
    if (Py_FinalizeEx() < 0) rc = 120;
    return rc == 0 ? 0 : 1;

fail:
    PyConfig_Clear(&config);
    Py_ExitStatusException(status);
}
