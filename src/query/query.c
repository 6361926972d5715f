#include "query/query.h"
#include "format/releases.h"
#include "query/release.h"
#include "host/emulators.h"
#include "host/kvm.h"
#include "util/arch.h"
#include <sys/stat.h>
#include <unistd.h>

static gboolean check_options(const domcaps_options *opts, const DcHost *host, guint *release, char **why,
                              GError **err)
{
    if (opts->virttype && strcmp(opts->virttype, "kvm") != 0 && strcmp(opts->virttype, "qemu") != 0) {
        g_set_error(err, DOMCAPS_ERROR, DOMCAPS_ERROR_INVALID_ARG,
                    "unknown virttype '%s' (domcaps knows 'kvm' and 'qemu')", opts->virttype);
        return FALSE;
    }
    g_autoptr(GError) schema_err = NULL;
    if (!(*release = dc_release_choose(opts->schema, host, why, &schema_err))) {
        g_set_error_literal(err, DOMCAPS_ERROR, DOMCAPS_ERROR_INVALID_ARG, schema_err->message);
        return FALSE;
    }
    if (opts->arch && !dc_arch_is_known(opts->arch, *release)) {
        g_set_error(err, DOMCAPS_ERROR, DOMCAPS_ERROR_INVALID_ARG, "unknown architecture '%s'", opts->arch);
        return FALSE;
    }
    return TRUE;
}

/* The emulator: named, or found for the arch (a replay of an unnamed one
 * is reported under the name libvirt would look for first). */
static char *resolve_emulator(const DcQuery *q, GError **err)
{
    const domcaps_options *opts = q->opts;
    const char *arch = opts->arch ? opts->arch : dc_host_arch(q->host);
    if (opts->emulator) {
        if (!opts->replay && !dc_emulator_check(q->host, opts->emulator, err))
            return NULL;
        return g_strdup(opts->emulator);
    }
    if (opts->replay) {
        g_autoptr(GPtrArray) names = dc_arch_emulator_names(arch, dc_host_arch(q->host));
        return g_strdup_printf("/usr/bin/%s", names->len ? (char *)names->pdata[0] : "qemu-system-x86_64");
    }
    return dc_emulator_find(q->host, arch, err);
}

/* KVM for the QEMU this query starts: the host's, and open to the user it
 * runs as (libvirt likewise asks whether its QEMU user may use /dev/kvm). */
static gboolean kvm_usable(const DcQuery *q)
{
    struct stat st;
    if (!dc_host_kvm_usable(q->host))
        return FALSE;
    if (!q->creds.name || q->creds.uid == 0)
        return TRUE;
    return dc_host_kvm_stat(q->host, &st) && dc_qmp_creds_may_rw(&q->creds, &st);
}

/* libvirt's words when the accelerator cannot be had. */
static void set_no_kvm_error(GError **err, const char *emulator)
{
    g_set_error(err, DOMCAPS_ERROR, DOMCAPS_ERROR_NO_KVM, "the accel 'kvm' is not supported by '%s' on this host",
                emulator);
}

/* The emulator's own arch, guessed before any probe: from a
 * qemu-system-TARGET name, else the asked arch, else the host's. */
static const char *guess_emulator_arch(const DcQuery *q)
{
    g_autofree char *base = g_path_get_basename(q->emulator);
    const char *by_name = g_str_has_prefix(base, "qemu-system-")
                              ? dc_arch_from_qemu_target(base + strlen("qemu-system-"), q->release) : NULL;
    return by_name ? by_name : q->opts->arch ? q->opts->arch : dc_host_arch(q->host);
}

/* Explicit, or KVM when the host offers it and the emulator's arch runs
 * natively (a transcript says itself whether its QEMU ran KVM); QEMU has
 * the last word: a KVM probe it cannot run answers as TCG. */
static gboolean resolve_virttype(DcQuery *q, GError **err)
{
    const domcaps_options *opts = q->opts;
    q->virttype_guessed = opts->virttype == NULL;
    if (q->virttype_guessed) {
        gboolean native = dc_arch_is_native(guess_emulator_arch(q), dc_host_arch(q->host));
        q->virttype = opts->replay || (kvm_usable(q) && native) ? "kvm" : "qemu";
        return TRUE;
    }
    q->virttype = strcmp(opts->virttype, "kvm") == 0 ? "kvm" : "qemu";
    if (strcmp(q->virttype, "kvm") == 0 && !opts->replay && !kvm_usable(q)) {
        set_no_kvm_error(err, q->emulator);  /* not even started: the host has no KVM for us */
        return FALSE;
    }
    return TRUE;
}

/* Who QEMU runs as: the user asked for; as root, else libvirt's QEMU user
 * or domcaps' own (qmp/qemu-user.c), never root unless asked by name. */
static gboolean resolve_user(DcQuery *q, GError **err)
{
    const char *user = q->opts->user;
    g_autofree char *found = NULL, *group = NULL;
    GError *inner = NULL;
    if (q->replay || (!user && geteuid() != 0))
        return TRUE;
    if (!user && !(user = found = dc_qmp_default_user(DC_QMP_LIBVIRT_CONF, &group, &inner))) {
        g_set_error_literal(err, DOMCAPS_ERROR, DOMCAPS_ERROR_NOT_EXECUTABLE, inner->message);
        g_error_free(inner);
        return FALSE;
    }
    if (!dc_qmp_creds_lookup_group(user, group, &q->creds, &inner)) {
        /* a default that does not resolve says where it came from */
        g_set_error(err, DOMCAPS_ERROR, DOMCAPS_ERROR_INVALID_ARG, "%s%s", inner->message,
                    found ? " (QEMU's user, from " DC_QMP_LIBVIRT_CONF "; --user names another)" : "");
        g_error_free(inner);
        return FALSE;
    }
    return TRUE;
}

static gboolean open_transport_inputs(DcQuery *q, GError **err)
{
    GError *inner = NULL;
    if (q->opts->replay && !(q->replay = dc_qmp_replay_new(q->opts->replay, &inner))) {
        g_set_error_literal(err, DOMCAPS_ERROR, DOMCAPS_ERROR_IO, inner->message);
        g_error_free(inner);
        return FALSE;
    }
    return resolve_user(q, err);
}

gboolean dc_query_init(DcQuery *q, const domcaps_options *opts, GError **err)
{
    memset(q, 0, sizeof(*q));
    q->opts = opts;
    if (!opts || opts->version != DOMCAPS_OPTIONS_VERSION) {
        g_set_error(err, DOMCAPS_ERROR, DOMCAPS_ERROR_INVALID_ARG, "unsupported domcaps_options version");
        return FALSE;
    }
    q->host = dc_host_new(opts->root, geteuid() == 0, g_get_user_config_dir());
    if (!check_options(opts, q->host, &q->release, &q->release_why, err)) {
        dc_query_clear(q);
        return FALSE;
    }
    /* who QEMU runs as before the domain type: KVM is guessed for that user */
    if (!(q->emulator = resolve_emulator(q, err)) || !open_transport_inputs(q, err) || !resolve_virttype(q, err)) {
        dc_query_clear(q);
        return FALSE;
    }
    q->probe_path = dc_host_path(q->host, q->emulator);
    return TRUE;
}

void dc_query_clear(DcQuery *q)
{
    g_clear_pointer(&q->host, dc_host_free);
    g_clear_pointer(&q->emulator, g_free);
    g_clear_pointer(&q->probe_path, g_free);
    g_clear_pointer(&q->release_why, g_free);
    g_clear_pointer(&q->replay, dc_qmp_free);
    dc_qmp_creds_clear(&q->creds);
}

const char *dc_query_accel(const DcQuery *q)
{
    return strcmp(q->virttype, "kvm") == 0 ? "kvm" : "tcg";
}

void dc_query_use_tcg(DcQuery *q)
{
    q->virttype = "qemu";
}

gboolean dc_query_wants_kvm_probe(const DcQuery *q)
{
    if (strcmp(dc_query_accel(q), "tcg") != 0 || !kvm_usable(q))
        return FALSE;
    return dc_arch_is_native(guess_emulator_arch(q), dc_host_arch(q->host));
}

/* Resolve the machine the way libvirt does: an alias becomes its canonical
 * name; no machine means the preferred one of the emulator's own arch (not
 * the guest's: libvirt keeps it with the binary), else QEMU's default, else
 * the first listed. libvirt leaves QEMU's "none" machine out. */
static char *resolve_machine(json_object *machines, const char *emu_arch, const char *wanted, const char *emulator,
                             guint release, GError **err)
{
    gsize n = machines && json_object_is_type(machines, json_type_array) ? json_object_array_length(machines) : 0;
    const char *want = wanted ? wanted : dc_arch_preferred_machine(emu_arch, release);
    for (int pass = 0; want && pass < 2; pass++) {
        for (gsize i = 0; i < n; i++) {
            json_object *m = json_object_array_get_idx(machines, i);
            const char *key = dc_json_str(m, pass == 0 ? "name" : "alias");
            if (g_strcmp0(key, want) == 0 && g_strcmp0(dc_json_str(m, "name"), "none") != 0)
                return g_strdup(dc_json_str(m, "name"));
        }
    }
    if (wanted) {
        g_set_error(err, DOMCAPS_ERROR, DOMCAPS_ERROR_UNKNOWN_MACHINE,
                    "the machine '%s' is not supported by emulator '%s'", wanted, emulator);
        return NULL;
    }
    for (gsize i = 0; i < n; i++) {
        json_object *m = json_object_array_get_idx(machines, i);
        if (dc_json_bool(m, "is-default", FALSE) && g_strcmp0(dc_json_str(m, "name"), "none") != 0)
            return g_strdup(dc_json_str(m, "name"));
    }
    for (gsize i = 0; i < n; i++) {
        const char *name = dc_json_str(json_object_array_get_idx(machines, i), "name");
        if (name && strcmp(name, "none") != 0)
            return g_strdup(name);
    }
    return NULL;
}

/* The oldest QEMU the release works with (libvirt refuses older ones). */
static gboolean check_qemu_version(const DcFacts *facts, guint release, GError **err)
{
    int need = dc_release_behaves(release, DC_BEHAVIOUR_QEMU_6_2_REQUIRED) ? 6002000 : 4002000;
    int have = dc_facts_version(facts);
    if (have >= need)
        return TRUE;
    g_set_error(err, DOMCAPS_ERROR, DOMCAPS_ERROR_NOT_QEMU,
                "QEMU version >= %d.%d.%d is required, but %d.%d.%d found", need / 1000000, need / 1000 % 1000,
                need % 1000, have / 1000000, have / 1000 % 1000, have % 1000);
    return FALSE;
}

/* The emulator serves the guest arch, as libvirt checks it. */
static gboolean check_arches(const DcQuery *q, const DcQueryTarget *t, GError **err)
{
    if (!dc_arch_same_family(t->arch, t->emu_arch)) {
        g_set_error(err, DOMCAPS_ERROR, DOMCAPS_ERROR_ARCH_MISMATCH,
                    "architecture from emulator '%s' doesn't match given architecture '%s'", t->emu_arch, t->arch);
        return FALSE;
    }
    if (!dc_arch_served_by(t->arch, t->emu_arch)) {
        g_set_error(err, DOMCAPS_ERROR, DOMCAPS_ERROR_ARCH_MISMATCH, "Emulator '%s' does not support arch '%s'",
                    q->emulator, t->arch);
        return FALSE;
    }
    return TRUE;
}

gboolean dc_query_target(const DcQuery *q, const DcFacts *facts, DcQueryTarget *t, GError **err)
{
    memset(t, 0, sizeof(*t));
    const char *target = dc_facts_target(facts);
    if (!(t->emu_arch = dc_arch_from_qemu_target(target, q->release))) {
        g_autofree char *rel = dc_release_name(q->release);
        g_set_error(err, DOMCAPS_ERROR, DOMCAPS_ERROR_UNSUPPORTED,
                    "emulator '%s' reports QEMU target '%s', which is no libvirt %s architecture", q->emulator,
                    target, rel);
        return FALSE;
    }
    t->arch = q->opts->arch ? q->opts->arch : t->emu_arch;
    if (!check_qemu_version(facts, q->release, err) || !check_arches(q, t, err))
        return FALSE;
    if (strcmp(dc_query_accel(q), "kvm") == 0 && !dc_facts_has_accel(facts, "kvm")) {
        set_no_kvm_error(err, q->emulator);
        return FALSE;
    }
    return TRUE;
}

gboolean dc_query_machine(const DcQuery *q, const DcFacts *facts, DcQueryTarget *t, GError **err)
{
    json_object *machines = dc_facts_accel(facts, dc_query_accel(q), "machines");
    t->machine = resolve_machine(machines, t->emu_arch, q->opts->machine, q->emulator, q->release, err);
    return t->machine || !q->opts->machine;
}

void dc_query_target_clear(DcQueryTarget *t)
{
    g_clear_pointer(&t->machine, g_free);
}
