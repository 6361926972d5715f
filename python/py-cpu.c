/* The Python binding's CPU calls: virsh's CPU commands (cpu_extract,
 * cpu_baseline, hypervisor_cpu_baseline, hypervisor_cpu_compare,
 * cpu_models) on the public API. */
#include "binding.h"

/* cpu_extract(text, name=None): the <cpu> elements virsh finds in a file's text. */
PyObject *py_cpu_extract(PyObject *self, PyObject *args, PyObject *kwargs)
{
    static const char *kwlist[] = { "text", "name", NULL };
    const char *text = NULL, *name = NULL;
    Py_ssize_t len = 0;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "s#|z", (char **)kwlist, &text, &len, &name))
        return NULL;
    GError *err = NULL;
    char **cpus = domcaps_cpu_extract(text, len, name, &err);
    if (!cpus)
        return dcpy_raise_error(err);
    PyObject *ret = dcpy_str_list(cpus);
    g_strfreev(cpus);
    return ret;
}

static unsigned int baseline_flags(int features, int migratable)
{
    return (features ? DOMCAPS_CPU_BASELINE_EXPAND_FEATURES : 0) | (migratable ? DOMCAPS_CPU_BASELINE_MIGRATABLE : 0);
}

typedef char *(*BaselineFn)(const domcaps_options *opts, const char *const *cpus, guint n, unsigned int flags,
                            GError **err);

/* One of the two baselines of the CPUs of @seq, with the GIL released. */
static PyObject *run_baseline(BaselineFn baseline, const domcaps_options *opts, PyObject *seq, int features,
                              int migratable)
{
    guint n = 0;
    g_autofree const char **cpus = dcpy_str_array(seq, &n);
    if (!cpus)
        return NULL;
    GError *err = NULL;
    char *xml;
    Py_BEGIN_ALLOW_THREADS
    xml = baseline(opts, cpus, n, baseline_flags(features, migratable), &err);
    Py_END_ALLOW_THREADS
    if (!xml)
        return dcpy_raise_error(err);
    PyObject *ret = PyUnicode_FromString(xml);
    g_free(xml);
    return ret;
}

/* cpu_baseline(cpus, features=False, migratable=False, *, root=None, cpu_map=None) */
PyObject *py_cpu_baseline(PyObject *self, PyObject *args, PyObject *kwargs)
{
    static const char *kwlist[] = { "cpus", "features", "migratable", "root", "cpu_map", NULL };
    PyObject *seq = NULL;
    int features = 0, migratable = 0;
    domcaps_options opts = DOMCAPS_OPTIONS_INIT;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "O|pp$zz", (char **)kwlist, &seq, &features, &migratable,
                                     &opts.root, &opts.cpu_map_dir))
        return NULL;
    return run_baseline(domcaps_cpu_baseline, &opts, seq, features, migratable);
}

/* hypervisor_cpu_baseline(cpus, features=False, migratable=False, **query) */
PyObject *py_hypervisor_cpu_baseline(PyObject *self, PyObject *args, PyObject *kwargs)
{
    static const char *kwlist[] = { "cpus", "features", "migratable", NULL };
    PyObject *seq = NULL;
    int features = 0, migratable = 0;
    domcaps_options opts;
    if (!dcpy_parse_call(args, kwargs, &opts, "O|pp", kwlist, &seq, &features, &migratable))
        return NULL;
    return run_baseline(domcaps_hypervisor_cpu_baseline, &opts, seq, features, migratable);
}

/* hypervisor_cpu_compare(cpu, error=False, validate=False, **query) */
PyObject *py_hypervisor_cpu_compare(PyObject *self, PyObject *args, PyObject *kwargs)
{
    static const char *kwlist[] = { "cpu", "error", "validate", NULL };
    const char *cpu = NULL;
    int fail = 0, validate = 0;
    domcaps_options opts;
    if (!dcpy_parse_call(args, kwargs, &opts, "s|pp", kwlist, &cpu, &fail, &validate))
        return NULL;
    unsigned int flags = (fail ? DOMCAPS_CPU_COMPARE_FAIL_INCOMPATIBLE : 0) |
                         (validate ? DOMCAPS_CPU_COMPARE_VALIDATE_XML : 0);
    GError *err = NULL;
    domcaps_cpu_compare_result r;
    Py_BEGIN_ALLOW_THREADS
    r = domcaps_hypervisor_cpu_compare(&opts, cpu, flags, &err);
    Py_END_ALLOW_THREADS
    if (r == DOMCAPS_CPU_COMPARE_ERROR)
        return dcpy_raise_error(err);
    return PyLong_FromLong(r);
}

/* cpu_models(arch, *, root=None, cpu_map=None) */
PyObject *py_cpu_models(PyObject *self, PyObject *args, PyObject *kwargs)
{
    static const char *kwlist[] = { "arch", "root", "cpu_map", NULL };
    const char *arch = NULL;
    domcaps_options opts = DOMCAPS_OPTIONS_INIT;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "s|$zz", (char **)kwlist, &arch, &opts.root, &opts.cpu_map_dir))
        return NULL;
    GError *err = NULL;
    char **models = domcaps_cpu_models(&opts, arch, &err);
    if (!models)
        return dcpy_raise_error(err);
    PyObject *ret = dcpy_str_list(models);
    g_strfreev(models);
    return ret;
}
