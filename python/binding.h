/* What the files of the Python binding share (the C files in python/): the
 * domcaps.Error type and its raising, the query's keyword arguments, the
 * json module's loads/dumps, and the calls defined outside
 * domcapsmodule.c for its method table. Internal to the binding. */
#pragma once
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include "domcaps.h"

extern PyObject *dcpy_error;                       /* domcaps.Error */
extern PyObject *dcpy_json_loads, *dcpy_json_dumps;

/* Raise @err (freed) as domcaps.Error with its code; NULL. */
PyObject *dcpy_raise_error(GError *err);
/* Raise a bad argument as domcaps.Error (DOMCAPS_ERROR_INVALID_ARG); NULL. */
PyObject *dcpy_raise_invalid(const char *fmt, ...) G_GNUC_PRINTF(1, 2);
/* domcaps_get() with the GIL released; NULL with the error raised. */
domcaps_doc *dcpy_get_doc(const domcaps_options *opts);
/* A call's own arguments (@fmt, @kwlist, then their pointers), with the
 * query's keyword arguments taken into @opts first. */
gboolean dcpy_parse_call(PyObject *args, PyObject *kwargs, domcaps_options *opts, const char *fmt,
                         const char *const *kwlist, ...);
/* A capabilities document given to a call as text (g_free): XML or JSON
 * str, or a capabilities() dict; NULL for None, or with the error set. */
char *dcpy_caps_text(PyObject *caps);
/* A list of str of a NULL-terminated string array (NULL: empty list). */
PyObject *dcpy_str_list(char **strv);
/* A sequence of str as a NULL-terminated array borrowing its strings; NULL
 * with the error set. */
const char **dcpy_str_array(PyObject *seq, guint *n);

PyObject *py_cpu_extract(PyObject *self, PyObject *args, PyObject *kwargs);
PyObject *py_cpu_baseline(PyObject *self, PyObject *args, PyObject *kwargs);
PyObject *py_hypervisor_cpu_baseline(PyObject *self, PyObject *args, PyObject *kwargs);
PyObject *py_hypervisor_cpu_compare(PyObject *self, PyObject *args, PyObject *kwargs);
PyObject *py_cpu_models(PyObject *self, PyObject *args, PyObject *kwargs);
PyObject *py_intersect(PyObject *self, PyObject *args, PyObject *kwargs);
PyObject *py_labels(PyObject *self, PyObject *args, PyObject *kwargs);
PyObject *py_traits(PyObject *self, PyObject *args, PyObject *kwargs);
PyObject *py_diff(PyObject *self, PyObject *args, PyObject *kwargs);
PyObject *py_compare(PyObject *self, PyObject *args, PyObject *kwargs);
PyObject *py_cache_list(PyObject *self, PyObject *args, PyObject *kwargs);
