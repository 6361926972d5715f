/* The Python binding's calls on several documents and on the cache:
 * intersect, labels, traits, diff, compare, cache_list. */
#include "binding.h"
#include <string.h>
/* A fleet of @seq's documents (capabilities XML strings); NULL with the
 * Python error set. */
static domcaps_fleet *fleet_of(PyObject *seq, const domcaps_options *opts)
{
    guint n = 0;
    g_autofree const char **docs = dcpy_str_array(seq, &n);
    if (!docs)
        return NULL;
    GError *err = NULL;
    domcaps_fleet *fleet = domcaps_fleet_new(opts, DOMCAPS_FLEET_INTERSECT);
    for (guint i = 0; i < n; i++) {
        domcaps_doc *doc = domcaps_doc_new_from_xml(docs[i], -1, &err);
        gboolean ok = doc && domcaps_fleet_add(fleet, NULL, doc, &err);
        domcaps_doc_free(doc);
        if (!ok) {
            domcaps_fleet_free(fleet);
            dcpy_raise_error(err);
            return NULL;
        }
    }
    return fleet;
}

/* intersect(docs, *, cpu=False, root=None, cpu_map=None): the fleet's
 * document, or with cpu=True its CPU. */
PyObject *py_intersect(PyObject *self, PyObject *args, PyObject *kwargs)
{
    static const char *kwlist[] = { "docs", "cpu", "root", "cpu_map", NULL };
    PyObject *seq = NULL;
    int cpu = 0;
    domcaps_options opts = DOMCAPS_OPTIONS_INIT;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "O|$pzz", (char **)kwlist, &seq, &cpu, &opts.root,
                                     &opts.cpu_map_dir))
        return NULL;
    g_autoptr(domcaps_fleet) fleet = fleet_of(seq, &opts);
    if (!fleet)
        return NULL;
    GError *err = NULL;
    g_autofree char *out = NULL;
    if (cpu) {
        out = domcaps_fleet_cpu(fleet, &err);
    } else {
        g_autoptr(domcaps_doc) doc = domcaps_fleet_intersection(fleet, &err);
        out = doc ? domcaps_doc_to_xml(doc) : NULL;
    }
    return out ? PyUnicode_FromString(out) : dcpy_raise_error(err);
}

/* The document of caps (see dcpy_caps_text), else of the query. */
static domcaps_doc *caps_or_query(PyObject *caps_obj, domcaps_options *opts)
{
    g_autofree char *caps = dcpy_caps_text(caps_obj);
    if (caps_obj && caps_obj != Py_None && !caps)
        return NULL;
    if (!caps)
        return dcpy_get_doc(opts);
    GError *err = NULL;
    domcaps_doc *doc = domcaps_doc_new_from_xml(caps, -1, &err);
    if (!doc)
        dcpy_raise_error(err);
    return doc;
}

/* The document of a call taking (caps=None, **query). */
static domcaps_doc *caps_call_doc(PyObject *args, PyObject *kwargs, domcaps_options *opts)
{
    static const char *kwlist[] = { "caps", NULL };
    PyObject *caps = NULL;
    if (!dcpy_parse_call(args, kwargs, opts, "|O", kwlist, &caps))
        return NULL;
    return caps_or_query(caps, opts);
}

/* labels(caps=None, **query) -> dict */
PyObject *py_labels(PyObject *self, PyObject *args, PyObject *kwargs)
{
    domcaps_options opts;
    g_autoptr(domcaps_doc) doc = caps_call_doc(args, kwargs, &opts);
    if (!doc)
        return NULL;
    g_auto(GStrv) labels = domcaps_labels(&opts, doc, NULL);
    PyObject *dict = PyDict_New();
    for (char **l = labels; dict && *l; l++) {
        char *eq = strchr(*l, '=');
        *eq = '\0';
        PyObject *v = PyUnicode_FromString(eq + 1);
        if (!v || PyDict_SetItemString(dict, *l, v) < 0)
            Py_CLEAR(dict);
        Py_XDECREF(v);
    }
    return dict;
}

/* traits(caps=None, **query) -> list */
PyObject *py_traits(PyObject *self, PyObject *args, PyObject *kwargs)
{
    domcaps_options opts;
    g_autoptr(domcaps_doc) doc = caps_call_doc(args, kwargs, &opts);
    if (!doc)
        return NULL;
    g_auto(GStrv) traits = domcaps_traits(&opts, doc);
    return dcpy_str_list(traits);
}

/* A document given as a call's argument (see dcpy_caps_text); NULL with the
 * error set. */
static domcaps_doc *doc_of(PyObject *obj)
{
    g_autofree char *text = dcpy_caps_text(obj);
    if (!text) {
        if (!PyErr_Occurred())
            dcpy_raise_invalid("a capabilities document is required");
        return NULL;
    }
    GError *err = NULL;
    domcaps_doc *doc = domcaps_doc_new_from_xml(text, -1, &err);
    if (!doc)
        dcpy_raise_error(err);
    return doc;
}

/* diff(old, new) -> str: what changed, as `domcaps diff` prints it ("" when
 * nothing did). */
PyObject *py_diff(PyObject *self, PyObject *args, PyObject *kwargs)
{
    static const char *kwlist[] = { "old", "new", NULL };
    PyObject *a = NULL, *b = NULL;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "OO", (char **)kwlist, &a, &b))
        return NULL;
    g_autoptr(domcaps_doc) old = doc_of(a);
    g_autoptr(domcaps_doc) now = old ? doc_of(b) : NULL;
    if (!now)
        return NULL;
    g_autofree char *text = domcaps_diff(old, now, NULL);
    return PyUnicode_FromString(text ? text : "");
}

/* compare(docs, labels=None, differences=True, html=False) -> str: the
 * table of `domcaps compare` (`--html` for a page). */
PyObject *py_compare(PyObject *self, PyObject *args, PyObject *kwargs)
{
    static const char *kwlist[] = { "docs", "labels", "differences", "html", NULL };
    PyObject *seq = NULL, *labels_seq = NULL;
    int differences = 1, html = 0;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "O|Opp", (char **)kwlist, &seq, &labels_seq, &differences, &html))
        return NULL;
    PyObject *fast = PySequence_Fast(seq, "docs must be a sequence of capabilities documents");
    if (!fast)
        return NULL;
    Py_ssize_t n = PySequence_Fast_GET_SIZE(fast);
    g_autoptr(GPtrArray) docs = g_ptr_array_new_with_free_func((GDestroyNotify)domcaps_doc_free);
    for (Py_ssize_t i = 0; i < n; i++) {
        domcaps_doc *d = doc_of(PySequence_Fast_GET_ITEM(fast, i));
        if (!d) {
            Py_DECREF(fast);
            return NULL;
        }
        g_ptr_array_add(docs, d);
    }
    Py_DECREF(fast);
    guint n_labels = 0;
    g_autofree const char **labels = labels_seq && labels_seq != Py_None ? dcpy_str_array(labels_seq, &n_labels) : NULL;
    if (labels_seq && labels_seq != Py_None && (!labels || n_labels != (guint)n))
        return labels ? dcpy_raise_invalid("labels must name each document") : NULL;
    domcaps_table_flags flags = (differences ? DOMCAPS_TABLE_DIFFERENCES : 0) | (html ? DOMCAPS_TABLE_HTML : 0);
    g_autofree char *table = domcaps_table((const domcaps_doc *const *)docs->pdata, labels, docs->len, flags, NULL);
    return PyUnicode_FromString(table ? table : "");
}

/* cache_list(cache_dir=None, root=None) -> list of dicts, one per entry:
 * `domcaps cache list --format json`. */
PyObject *py_cache_list(PyObject *self, PyObject *args, PyObject *kwargs)
{
    static const char *kwlist[] = { "cache_dir", "root", NULL };
    const char *dir = NULL, *root = NULL;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "|zz", (char **)kwlist, &dir, &root))
        return NULL;
    GError *err = NULL;
    g_autoptr(GPtrArray) entries = domcaps_cache_list(dir, root, &err);
    if (!entries)
        return dcpy_raise_error(err);
    PyObject *list = PyList_New(0);
    for (guint i = 0; list && i < entries->len; i++) {
        const domcaps_cache_entry *e = entries->pdata[i];
        PyObject *d = Py_BuildValue("{s:s,s:z,s:z,s:O,s:O,s:z}", "path", e->path, "emulator", e->emulator,
                                    "summary", e->summary, "valid", e->valid ? Py_True : Py_False,
                                    "trusted", e->trusted ? Py_True : Py_False, "reason", e->reason);
        if (!d || PyList_Append(list, d) < 0)
            Py_CLEAR(list);
        Py_XDECREF(d);
    }
    return list;
}
