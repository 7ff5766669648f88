/* versioned_libs._greet: a CPython extension module that calls libgreet.
 * It finds libgreet.so.1 (its DT_NEEDED, the library's SONAME) through its rpath,
 * $ORIGIN/lib: the lib/ directory beside it in the installed package. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include "greet.h"

static PyObject *hello(PyObject *self, PyObject *args) {
    const char *name;
    char buf[256];
    if (!PyArg_ParseTuple(args, "s", &name))
        return NULL;
    greet_hello(name, buf, (int)sizeof buf);
    return PyUnicode_FromString(buf);
}

static PyObject *answer(PyObject *self, PyObject *unused) { return PyLong_FromLong(greet_answer()); }

static PyObject *library_version(PyObject *self, PyObject *unused) {
    return PyUnicode_FromString(greet_version());
}

static PyMethodDef methods[] = {
    {"hello", hello, METH_VARARGS, "hello(name) -> 'Hello, name!', from libgreet."},
    {"answer", answer, METH_NOARGS, "libgreet's answer."},
    {"library_version", library_version, METH_NOARGS, "The version libgreet reports."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_greet", "Calls libgreet.", -1, methods};

PyMODINIT_FUNC PyInit__greet(void) { return PyModule_Create(&module); }
