/* The Python binding: `import domcaps`.
 *
 *   domcaps.capabilities(arch=None, machine=None, virttype=None, emulator=None, ...)
 *       -> dict, the same structure as `domcaps --format json` (parsed JSON)
 *   domcaps.capabilities_xml(...) -> str, libvirt's <domainCapabilities> XML
 *   domcaps.check(domain_xml, caps=None, ...) -> list of problems (dicts)
 *   domcaps.explain_firmware(...) -> list of str
 *   domcaps.cpu_baseline(cpus, ...), hypervisor_cpu_baseline(cpus, ...) -> str,
 *   hypervisor_cpu_compare(cpu, ...) -> int, cpu_models(arch) -> list,
 *   cpu_extract(text) -> list: virsh's CPU commands (libvirt 9.0's answers)
 *   domcaps.diff(old, new), compare(docs, ...), cache_list(...): the analysis
 *   and cache commands' answers
 *   domcaps.Error: every failure, carrying the library's message and code
 *
 * Built on the public C API only (include/domcaps.h). The GIL is released
 * while the library probes QEMU, so threads can query in parallel. */
#include "binding.h"

PyObject *dcpy_error;
PyObject *dcpy_json_loads, *dcpy_json_dumps;

/* A GError as a domcaps.Error(message) with .code (domcaps_error_code). */
PyObject *dcpy_raise_error(GError *err)
{
    PyObject *exc = PyObject_CallFunction(dcpy_error, "s", err && err->message ? err->message : "unknown error");
    if (exc) {
        PyObject *code = PyLong_FromLong(err ? err->code : -1);
        if (code) {
            PyObject_SetAttrString(exc, "code", code);
            Py_DECREF(code);
        }
        PyErr_SetObject(dcpy_error, exc);
        Py_DECREF(exc);
    }
    if (err)
        g_error_free(err);
    return NULL;
}

/* A bad argument: a domcaps.Error too, with the library's code for it. */
PyObject *dcpy_raise_invalid(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    g_autofree char *msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    return dcpy_raise_error(g_error_new_literal(DOMCAPS_ERROR, DOMCAPS_ERROR_INVALID_ARG, msg));
}

/* The query's keyword arguments, one row each: the domcaps_options field
 * it sets. Every query-taking function accepts them all. */
typedef enum { ARG_STR, ARG_INT, ARG_FLAG, ARG_CACHE } ArgKind;

static const struct {
    const char *name;
    ArgKind kind;
    gsize offset;            /* in domcaps_options */
    unsigned int flag;       /* ARG_FLAG: the domcaps_get_flags bit */
} query_args[] = {
    { "arch", ARG_STR, G_STRUCT_OFFSET(domcaps_options, arch), 0 },
    { "machine", ARG_STR, G_STRUCT_OFFSET(domcaps_options, machine), 0 },
    { "virttype", ARG_STR, G_STRUCT_OFFSET(domcaps_options, virttype), 0 },
    { "emulator", ARG_STR, G_STRUCT_OFFSET(domcaps_options, emulator), 0 },
    { "root", ARG_STR, G_STRUCT_OFFSET(domcaps_options, root), 0 },
    { "replay", ARG_STR, G_STRUCT_OFFSET(domcaps_options, replay), 0 },
    { "cpu_map", ARG_STR, G_STRUCT_OFFSET(domcaps_options, cpu_map_dir), 0 },
    { "timeout", ARG_INT, G_STRUCT_OFFSET(domcaps_options, timeout_ms), 0 },
    { "cache_dir", ARG_STR, G_STRUCT_OFFSET(domcaps_options, cache_dir), 0 },
    { "cache", ARG_CACHE, G_STRUCT_OFFSET(domcaps_options, cache), 0 },
    { "schema", ARG_STR, G_STRUCT_OFFSET(domcaps_options, schema), 0 },
    { "expand_cpu_features", ARG_FLAG, G_STRUCT_OFFSET(domcaps_options, flags), DOMCAPS_GET_EXPAND_CPU_FEATURES },
    { "supported_cpu_features", ARG_FLAG, G_STRUCT_OFFSET(domcaps_options, flags),
      DOMCAPS_GET_SUPPORTED_CPU_FEATURES },
    { "disable_deprecated_features", ARG_FLAG, G_STRUCT_OFFSET(domcaps_options, flags),
      DOMCAPS_GET_DISABLE_DEPRECATED_FEATURES },
};

static gboolean set_query_arg(domcaps_options *opts, gsize row, PyObject *v)
{
    gpointer field = G_STRUCT_MEMBER_P(opts, query_args[row].offset);
    const char *name = query_args[row].name;
    if (v == Py_None)
        return TRUE;
    switch (query_args[row].kind) {
    case ARG_STR:
        if (PyUnicode_Check(v) && (*(const char **)field = PyUnicode_AsUTF8(v)))
            return TRUE;
        PyErr_Clear();
        dcpy_raise_invalid("%s must be a string", name);
        return FALSE;
    case ARG_INT:
        if (PyLong_Check(v) && (*(int *)field = (int)PyLong_AsLong(v)) > 0 && !PyErr_Occurred())
            return TRUE;
        PyErr_Clear();
        dcpy_raise_invalid("%s must be a positive number of milliseconds", name);
        return FALSE;
    case ARG_FLAG:
        if (PyObject_IsTrue(v))
            *(unsigned int *)field |= query_args[row].flag;
        return TRUE;
    case ARG_CACHE: {
        static const char *const modes[] = { [DOMCAPS_CACHE_USE] = "use", [DOMCAPS_CACHE_OFF] = "off",
                                             [DOMCAPS_CACHE_REFRESH] = "refresh" };
        const char *m = PyUnicode_Check(v) ? PyUnicode_AsUTF8(v) : NULL;
        for (gsize i = 0; m && i < G_N_ELEMENTS(modes); i++)
            if (strcmp(m, modes[i]) == 0) {
                *(domcaps_cache_mode *)field = (domcaps_cache_mode)i;
                return TRUE;
            }
        PyErr_Clear();
        dcpy_raise_invalid("cache must be 'use', 'off' or 'refresh', not '%s'", m ? m : "?");
        return FALSE;
    }
    }
    return TRUE;
}

/* Take the query's keyword arguments out of @kwargs into @opts; *rest gets
 * a new dict of the others (NULL when there are none). The strings stay
 * @kwargs' own, alive for the call. */
static gboolean split_query(PyObject *kwargs, domcaps_options *opts, PyObject **rest)
{
    domcaps_options o = DOMCAPS_OPTIONS_INIT;
    *opts = o;
    *rest = kwargs ? PyDict_Copy(kwargs) : NULL;
    if (kwargs && !*rest)
        return FALSE;
    for (gsize i = 0; *rest && i < G_N_ELEMENTS(query_args); i++) {
        PyObject *v = PyDict_GetItemString(*rest, query_args[i].name);  /* borrowed from kwargs too */
        if (!v)
            continue;
        if (!set_query_arg(opts, i, PyDict_GetItemString(kwargs, query_args[i].name)) ||
            PyDict_DelItemString(*rest, query_args[i].name) < 0) {
            Py_CLEAR(*rest);
            return FALSE;
        }
    }
    return TRUE;
}

domcaps_doc *dcpy_get_doc(const domcaps_options *opts)
{
    GError *err = NULL;
    domcaps_doc *doc;
    Py_BEGIN_ALLOW_THREADS
    doc = domcaps_get(opts, &err);
    Py_END_ALLOW_THREADS
    if (!doc) {
        dcpy_raise_error(err);
        return NULL;
    }
    /* what the CLI prints as warning lines (an untrusted cache): Python's
     * warnings, which a caller may filter or turn into errors */
    for (const char *const *w = domcaps_doc_warnings(doc); *w; w++) {
        if (PyErr_WarnEx(PyExc_RuntimeWarning, *w, 1) < 0) {
            domcaps_doc_free(doc);
            return NULL;
        }
    }
    return doc;
}

/* A call's own arguments (@fmt, @kwlist, then their pointers), with the
 * query's keyword arguments taken into @opts first. */
gboolean dcpy_parse_call(PyObject *args, PyObject *kwargs, domcaps_options *opts, const char *fmt,
                           const char *const *kwlist, ...)
{
    PyObject *rest = NULL;
    if (!split_query(kwargs, opts, &rest))
        return FALSE;
    va_list ap;
    va_start(ap, kwlist);
    int ok = PyArg_VaParseTupleAndKeywords(args, rest, fmt, (char **)kwlist, ap);
    va_end(ap);
    Py_XDECREF(rest);  /* what was parsed from it stays @kwargs' */
    return ok;
}

/* The document for a call whose arguments are the query alone; NULL with
 * the Python error set. opts keeps pointers into kwargs. */
static domcaps_doc *doc_for_query(PyObject *args, PyObject *kwargs, domcaps_options *opts)
{
    PyObject *rest = NULL;
    if (!split_query(kwargs, opts, &rest))
        return NULL;
    static const char *kwlist[] = { NULL };
    int ok = PyArg_ParseTupleAndKeywords(args, rest, "", (char **)kwlist);
    Py_XDECREF(rest);
    return ok ? dcpy_get_doc(opts) : NULL;
}

static PyObject *py_capabilities_xml(PyObject *self, PyObject *args, PyObject *kwargs)
{
    domcaps_options opts;
    domcaps_doc *doc = doc_for_query(args, kwargs, &opts);
    if (!doc)
        return NULL;
    char *xml = domcaps_doc_to_xml(doc);
    domcaps_doc_free(doc);
    PyObject *ret = PyUnicode_FromString(xml);
    g_free(xml);
    return ret;
}

static PyObject *py_capabilities(PyObject *self, PyObject *args, PyObject *kwargs)
{
    domcaps_options opts;
    domcaps_doc *doc = doc_for_query(args, kwargs, &opts);
    if (!doc)
        return NULL;
    char *json = domcaps_doc_to_json(doc, FALSE);
    domcaps_doc_free(doc);
    PyObject *ret = PyObject_CallFunction(dcpy_json_loads, "s", json);
    g_free(json);
    return ret;
}

static PyObject *py_explain_firmware(PyObject *self, PyObject *args, PyObject *kwargs)
{
    domcaps_options opts;
    domcaps_doc *doc = doc_for_query(args, kwargs, &opts);
    if (!doc)
        return NULL;
    char **lines = domcaps_explain_firmware(&opts, doc);
    domcaps_doc_free(doc);
    PyObject *list = PyList_New(0);
    for (char **l = lines; list && *l; l++) {
        PyObject *s = PyUnicode_FromString(*l);
        if (!s || PyList_Append(list, s) < 0) {
            Py_XDECREF(s);
            Py_CLEAR(list);
            break;
        }
        Py_DECREF(s);
    }
    g_strfreev(lines);
    return list;
}

/* A capabilities document given to a call: its XML or JSON text (str), or
 * the dict capabilities() returned (as its JSON); NULL with the error set
 * for anything else, and for None (no error then). */
char *dcpy_caps_text(PyObject *caps)
{
    if (!caps || caps == Py_None)
        return NULL;
    if (PyUnicode_Check(caps)) {
        const char *text = PyUnicode_AsUTF8(caps);
        return text ? g_strdup(text) : NULL;
    }
    if (PyDict_Check(caps)) {
        PyObject *json = PyObject_CallFunctionObjArgs(dcpy_json_dumps, caps, NULL);
        const char *text = json ? PyUnicode_AsUTF8(json) : NULL;
        char *out = text ? g_strdup(text) : NULL;
        Py_XDECREF(json);
        return out;
    }
    dcpy_raise_invalid("caps must be a capabilities document (XML or JSON str, or the dict capabilities() returns)");
    return NULL;
}

static PyObject *problems_to_list(GPtrArray *problems)
{
    PyObject *list = PyList_New(0);
    for (guint i = 0; list && i < problems->len; i++) {
        const domcaps_problem *p = problems->pdata[i];
        PyObject *allowed = PyList_New(0);
        for (char **a = p->allowed; allowed && a && *a; a++) {
            PyObject *s = PyUnicode_FromString(*a);
            if (!s || PyList_Append(allowed, s) < 0)
                Py_CLEAR(allowed);
            Py_XDECREF(s);
        }
        PyObject *d = allowed ? Py_BuildValue("{s:s,s:z,s:O,s:s}", "location", p->location, "value", p->value,
                                              "allowed", allowed, "message", p->message)
                              : NULL;
        Py_XDECREF(allowed);
        if (!d || PyList_Append(list, d) < 0)
            Py_CLEAR(list);
        Py_XDECREF(d);
    }
    return list;
}

/* check(domain_xml, caps=None, **query): the values of a libvirt domain
 * definition the capabilities do not allow; [] when it fits. Without caps,
 * the capabilities are probed for the domain's own emulator, arch, machine
 * and type (query arguments override them); caps is a <domainCapabilities>
 * document (str) to check against instead. */
static PyObject *py_check(PyObject *self, PyObject *args, PyObject *kwargs)
{
    static const char *kwlist[] = { "domain_xml", "caps", NULL };
    const char *domain = NULL;
    Py_ssize_t domain_len = 0;
    PyObject *caps_obj = NULL;
    domcaps_options opts;
    if (!dcpy_parse_call(args, kwargs, &opts, "s#|O", kwlist, &domain, &domain_len, &caps_obj))
        return NULL;
    g_autofree char *caps = dcpy_caps_text(caps_obj);
    if (caps_obj && caps_obj != Py_None && !caps)
        return NULL;
    GError *err = NULL;
    GPtrArray *problems = NULL;
    gboolean ok;
    Py_BEGIN_ALLOW_THREADS
    if (caps) {
        domcaps_doc *doc = domcaps_doc_new_from_xml(caps, -1, &err);
        ok = doc && domcaps_check_domain(doc, domain, domain_len, &problems, &err);
        domcaps_doc_free(doc);
    } else {
        ok = domcaps_check_domain_probe(&opts, domain, domain_len, NULL, &problems, &err);
    }
    Py_END_ALLOW_THREADS
    if (!ok) {
        if (problems)
            g_ptr_array_unref(problems);
        return dcpy_raise_error(err);
    }
    PyObject *ret = problems_to_list(problems);
    g_ptr_array_unref(problems);
    return ret;
}

/* ---- shared by the calls of every file ---- */

PyObject *dcpy_str_list(char **strv)
{
    PyObject *list = PyList_New(0);
    for (char **p = strv; list && p && *p; p++) {
        PyObject *s = PyUnicode_FromString(*p);
        if (!s || PyList_Append(list, s) < 0)
            Py_CLEAR(list);
        Py_XDECREF(s);
    }
    return list;
}

/* A Python sequence of str as a NULL-terminated array (borrowing the
 * strings of @seq, which the caller keeps); NULL with the error set. */
const char **dcpy_str_array(PyObject *seq, guint *n)
{
    if (PyUnicode_Check(seq)) {
        PyErr_SetString(PyExc_TypeError, "expected a sequence of XML strings, not one string");
        return NULL;
    }
    PyObject *fast = PySequence_Fast(seq, "expected a sequence of XML strings");
    if (!fast)
        return NULL;
    Py_ssize_t len = PySequence_Fast_GET_SIZE(fast);
    const char **out = g_new0(const char *, len + 1);
    for (Py_ssize_t i = 0; i < len; i++) {
        PyObject *item = PySequence_Fast_GET_ITEM(fast, i);
        if (!PyUnicode_Check(item) || !(out[i] = PyUnicode_AsUTF8(item))) {
            if (!PyErr_Occurred())
                PyErr_SetString(PyExc_TypeError, "expected a sequence of XML strings");
            g_free(out);
            Py_DECREF(fast);
            return NULL;
        }
    }
    Py_DECREF(fast);   /* the items stay alive in seq */
    *n = (guint)len;
    return out;
}

static PyMethodDef methods[] = {
    { "capabilities", (PyCFunction)(void (*)(void))py_capabilities, METH_VARARGS | METH_KEYWORDS,
      "capabilities(*, arch=None, machine=None, virttype=None, emulator=None, root=None, replay=None,\n"
      "             cpu_map=None, timeout=0, cache_dir=None, cache='use', expand_cpu_features=False,\n"
      "             supported_cpu_features=False, disable_deprecated_features=False, schema=None) -> dict\n\n"
      "The domain capabilities of a QEMU binary on this host, as `domcaps --format json` prints them.\n"
      "Raises domcaps.Error with the library's message." },
    { "capabilities_xml", (PyCFunction)(void (*)(void))py_capabilities_xml, METH_VARARGS | METH_KEYWORDS,
      "capabilities_xml(**query) -> str\n\nThe same as libvirt's <domainCapabilities> XML." },
    { "check", (PyCFunction)(void (*)(void))py_check, METH_VARARGS | METH_KEYWORDS,
      "check(domain_xml, caps=None, **query) -> list\n\n"
      "The values of a libvirt domain definition the capabilities do not allow, one dict each\n"
      "(location, value, allowed, message); [] when it fits. Without caps the capabilities of\n"
      "the domain's own emulator, arch, machine and type are probed; caps: a capabilities XML." },
    { "explain_firmware", (PyCFunction)(void (*)(void))py_explain_firmware, METH_VARARGS | METH_KEYWORDS,
      "explain_firmware(**query) -> list of str\n\n"
      "Every firmware descriptor considered for the query, in priority order, taken or skipped and why." },
    { "cpu_extract", (PyCFunction)(void (*)(void))py_cpu_extract, METH_VARARGS | METH_KEYWORDS,
      "cpu_extract(text, name=None) -> list of str\n\n"
      "The CPU definitions virsh finds in a file's text: <cpu> elements one after another, a domain,\n"
      "host capabilities, domain capabilities' host-model CPU; each as a <cpu> XML string." },
    { "cpu_baseline", (PyCFunction)(void (*)(void))py_cpu_baseline, METH_VARARGS | METH_KEYWORDS,
      "cpu_baseline(cpus, features=False, migratable=False, *, root=None, cpu_map=None) -> str\n\n"
      "virsh cpu-baseline: the CPU every host CPU of cpus (<cpu> XML strings) can run, libvirt 9.0's answer." },
    { "hypervisor_cpu_baseline", (PyCFunction)(void (*)(void))py_hypervisor_cpu_baseline,
      METH_VARARGS | METH_KEYWORDS,
      "hypervisor_cpu_baseline(cpus, features=False, migratable=False, **query) -> str\n\n"
      "virsh hypervisor-cpu-baseline (libvirt's baselineHypervisorCPU): the same among the CPU models and\n"
      "features the hypervisor of the query offers." },
    { "hypervisor_cpu_compare", (PyCFunction)(void (*)(void))py_hypervisor_cpu_compare, METH_VARARGS | METH_KEYWORDS,
      "hypervisor_cpu_compare(cpu, error=False, validate=False, **query) -> int\n\n"
      "virsh hypervisor-cpu-compare (libvirt's compareHypervisorCPU): CPU_COMPARE_INCOMPATIBLE,\n"
      "CPU_COMPARE_IDENTICAL or CPU_COMPARE_SUPERSET; error=True raises domcaps.Error saying why instead\n"
      "of answering incompatible." },
    { "cpu_models", (PyCFunction)(void (*)(void))py_cpu_models, METH_VARARGS | METH_KEYWORDS,
      "cpu_models(arch, *, root=None, cpu_map=None) -> list of str\n\n"
      "virsh cpu-models: the CPU models libvirt knows for arch; [] when any is accepted." },
    { "diff", (PyCFunction)(void (*)(void))py_diff, METH_VARARGS | METH_KEYWORDS,
      "diff(old, new) -> str: what changed from one capabilities document to another, as `domcaps diff` "
      "prints it (\"\" when nothing did). Documents are XML or JSON text, or capabilities() dicts." },
    { "compare", (PyCFunction)(void (*)(void))py_compare, METH_VARARGS | METH_KEYWORDS,
      "compare(docs, labels=None, differences=True, html=False) -> str: `domcaps compare`'s table of the "
      "documents (only the rows that differ unless differences=False; an HTML page with html=True)." },
    { "cache_list", (PyCFunction)(void (*)(void))py_cache_list, METH_VARARGS | METH_KEYWORDS,
      "cache_list(cache_dir=None, root=None) -> list of dicts (path, emulator, summary, valid, trusted, reason): "
      "the probe cache's entries, each judged as a query would judge it." },
    { "intersect", (PyCFunction)(void (*)(void))py_intersect, METH_VARARGS | METH_KEYWORDS,
      "intersect(docs, *, cpu=False, root=None, cpu_map=None) -> str\n\n"
      "What every one of docs (capabilities XML strings, one per host) allows, safe to migrate across\n"
      "them, as `domcaps intersect` prints it; cpu=True: the fleet's CPU as a <cpu> for domains\n"
      "(domcaps.Error saying why when the hosts have none in common)." },
    { "labels", (PyCFunction)(void (*)(void))py_labels, METH_VARARGS | METH_KEYWORDS,
      "labels(caps=None, **query) -> dict\n\n"
      "The Kubernetes node labels KubeVirt's node labeller makes of the capabilities (caps: an XML\n"
      "string, else the query's), each valid under Kubernetes' label syntax." },
    { "traits", (PyCFunction)(void (*)(void))py_traits, METH_VARARGS | METH_KEYWORDS,
      "traits(caps=None, **query) -> list of str\n\n"
      "The OpenStack placement traits nova's libvirt driver derives from the capabilities." },
    { NULL, NULL, 0, NULL },
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "domcaps",
    "Domain capabilities of QEMU binaries, as libvirt prints them, without a daemon (libdomcaps).",
    -1, methods, NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit_domcaps(void)
{
    PyObject *m = PyModule_Create(&module);
    if (!m)
        return NULL;
    PyObject *json = PyImport_ImportModule("json");
    if (!json)
        goto fail;
    dcpy_json_loads = PyObject_GetAttrString(json, "loads");
    dcpy_json_dumps = PyObject_GetAttrString(json, "dumps");
    Py_DECREF(json);
    if (!dcpy_json_loads || !dcpy_json_dumps)
        goto fail;
    dcpy_error = PyErr_NewExceptionWithDoc(
        "domcaps.Error", "A domcaps failure: str(e) is the library's message, e.code its domcaps_error_code.",
        NULL, NULL);
    if (!dcpy_error || PyModule_AddObjectRef(m, "Error", dcpy_error) < 0)
        goto fail;
    if (PyModule_AddStringConstant(m, "__version__", domcaps_version()) < 0 ||
        PyModule_AddStringConstant(m, "LIBVIRT_VERSION", DOMCAPS_LIBVIRT_VERSION) < 0 ||
        PyModule_AddIntConstant(m, "FORMAT_VERSION", DOMCAPS_FORMAT_VERSION) < 0)
        goto fail;
    static const struct { const char *name; int code; } codes[] = {
        { "ERROR_INVALID_ARG", DOMCAPS_ERROR_INVALID_ARG },
        { "ERROR_NO_EMULATOR", DOMCAPS_ERROR_NO_EMULATOR },
        { "ERROR_NOT_EXECUTABLE", DOMCAPS_ERROR_NOT_EXECUTABLE },
        { "ERROR_NOT_QEMU", DOMCAPS_ERROR_NOT_QEMU },
        { "ERROR_PROBE_TIMEOUT", DOMCAPS_ERROR_PROBE_TIMEOUT },
        { "ERROR_PROBE_FAILED", DOMCAPS_ERROR_PROBE_FAILED },
        { "ERROR_BAD_REPLY", DOMCAPS_ERROR_BAD_REPLY },
        { "ERROR_ARCH_MISMATCH", DOMCAPS_ERROR_ARCH_MISMATCH },
        { "ERROR_UNKNOWN_MACHINE", DOMCAPS_ERROR_UNKNOWN_MACHINE },
        { "ERROR_NO_KVM", DOMCAPS_ERROR_NO_KVM },
        { "ERROR_IO", DOMCAPS_ERROR_IO },
        { "ERROR_INVALID_XML", DOMCAPS_ERROR_INVALID_XML },
        { "ERROR_INVALID_CPU", DOMCAPS_ERROR_INVALID_CPU },
        { "ERROR_CPU_INCOMPATIBLE", DOMCAPS_ERROR_CPU_INCOMPATIBLE },
        { "ERROR_UNSUPPORTED", DOMCAPS_ERROR_UNSUPPORTED },
        { "CPU_COMPARE_INCOMPATIBLE", DOMCAPS_CPU_COMPARE_INCOMPATIBLE },
        { "CPU_COMPARE_IDENTICAL", DOMCAPS_CPU_COMPARE_IDENTICAL },
        { "CPU_COMPARE_SUPERSET", DOMCAPS_CPU_COMPARE_SUPERSET },
    };
    for (gsize i = 0; i < G_N_ELEMENTS(codes); i++)
        if (PyModule_AddIntConstant(m, codes[i].name, codes[i].code) < 0)
            goto fail;
    return m;
fail:
    Py_DECREF(m);
    return NULL;
}
