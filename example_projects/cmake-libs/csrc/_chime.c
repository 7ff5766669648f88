/* cmake_libs._chime: a CPython extension module that calls libchime (DT_NEEDED
 * libchime.so.2, found through its rpath $ORIGIN/lib). */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include "chime.h"

static PyObject *ring(PyObject *self, PyObject *args) {
    int hour;
    char buf[256];
    if (!PyArg_ParseTuple(args, "i", &hour))
        return NULL;
    chime_ring(hour, buf, (int)sizeof buf);
    return PyUnicode_FromString(buf);
}

static PyObject *strikes(PyObject *self, PyObject *args) {
    int hour;
    if (!PyArg_ParseTuple(args, "i", &hour))
        return NULL;
    return PyLong_FromLong(chime_strikes(hour));
}

static PyObject *library_version(PyObject *self, PyObject *unused) {
    return PyUnicode_FromString(chime_version());
}

static PyMethodDef methods[] = {
    {"ring", ring, METH_VARARGS, "ring(hour) -> \"3 o'clock: dong dong dong\", from libchime."},
    {"strikes", strikes, METH_VARARGS, "How many times the clock strikes at hour."},
    {"library_version", library_version, METH_NOARGS, "The version libchime reports."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_chime", "Calls libchime.", -1, methods};

PyMODINIT_FUNC PyInit__chime(void) { return PyModule_Create(&module); }
