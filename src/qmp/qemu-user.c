/* Who QEMU runs as, and with which environment.
 *
 * A root domcaps never hands QEMU its own privilege by default: it runs it
 * as the user libvirt would (qemu.conf's `user`), else as the system user
 * the Debian package creates for domcaps, else it refuses and asks for
 * --user. QEMU's environment is made here, not inherited: a probe sees the
 * same few variables whoever started domcaps and from wherever. */
#include "qmp/qmp.h"
#include <errno.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

/* libvirt's built-in default when qemu.conf names no user (Debian's build). */
#define DC_LIBVIRT_DEFAULT_USER "libvirt-qemu"

/* A value of `key = "value"` (or 'value'), NULL when the line sets another key. */
static char *conf_value(const char *line, const char *key)
{
    while (g_ascii_isspace(*line))
        line++;
    gsize n = strlen(key);
    if (strncmp(line, key, n) != 0)
        return NULL;
    line += n;
    while (g_ascii_isspace(*line))
        line++;
    if (*line++ != '=')
        return NULL;
    while (g_ascii_isspace(*line))
        line++;
    char quote = *line;
    if (quote != '"' && quote != '\'')
        return NULL;
    const char *end = strchr(line + 1, quote);
    return end ? g_strndup(line + 1, end - line - 1) : NULL;
}

gboolean dc_qmp_libvirt_conf_read(const char *path, char **user, char **group)
{
    *user = *group = NULL;
    g_autofree char *text = NULL;
    if (!g_file_get_contents(path, &text, NULL, NULL))
        return FALSE;
    g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
    for (char **l = lines; *l; l++) {
        /* the last setting of a key wins, as libvirt reads its files */
        char *u = conf_value(*l, "user"), *g = u ? NULL : conf_value(*l, "group");
        if (u) {
            g_free(*user);
            *user = u;
        }
        if (g) {
            g_free(*group);
            *group = g;
        }
    }
    return TRUE;
}

/* libvirt writes a numeric id as "+N"; dc_qmp_creds_lookup() takes "N". */
static char *plain_id(char *v)
{
    if (v && v[0] == '+' && v[1]) {
        char *n = g_strdup(v + 1);
        g_free(v);
        return n;
    }
    return v;
}

static gboolean user_exists(const char *name)
{
    struct passwd pw, *found = NULL;
    char buf[16384];
    return getpwnam_r(name, &pw, buf, sizeof(buf), &found) == 0 && found;
}

char *dc_qmp_default_user(const char *libvirt_conf, char **group, GError **err)
{
    *group = NULL;
    g_autofree char *user = NULL, *grp = NULL;
    if (dc_qmp_libvirt_conf_read(libvirt_conf, &user, &grp)) {
        /* libvirt is installed: its user, as its daemon would run QEMU */
        *group = plain_id(g_steal_pointer(&grp));
        return user ? plain_id(g_steal_pointer(&user)) : g_strdup(DC_LIBVIRT_DEFAULT_USER);
    }
    if (user_exists(DC_QMP_SYSTEM_USER))
        return g_strdup(DC_QMP_SYSTEM_USER);
    g_set_error(err, DC_QMP_ERROR, DC_QMP_ERROR_SPAWN,
                "running as root, with no unprivileged user to run QEMU as (no %s, no '%s' user): "
                "name one with --user USER, or probe as root with --user root", libvirt_conf, DC_QMP_SYSTEM_USER);
    return NULL;
}

/* QEMU's own variables, passed when the caller set them. */
static const char *const qemu_variables[] = {
    "QEMU_MODULE_DIR",   /* where QEMU loads its modules from: what it offers */
    "QEMU_AUDIO_DRV",    /* older QEMUs' audio back end */
    NULL,
};

/* Is @name set in @env already? */
static gboolean env_has(GPtrArray *env, const char *name)
{
    gsize n = strlen(name);
    for (guint i = 0; i < env->len; i++) {
        const char *e = env->pdata[i];
        if (strncmp(e, name, n) == 0 && e[n] == '=')
            return TRUE;
    }
    return FALSE;
}

static void env_pass(GPtrArray *env, const char *name)
{
    const char *v = g_getenv(name);
    if (v && !strchr(name, '=') && !env_has(env, name))
        g_ptr_array_add(env, g_strdup_printf("%s=%s", name, v));
}

char **dc_qmp_env_new(const DcQmpCreds *as)
{
    g_autoptr(GPtrArray) env = g_ptr_array_new_with_free_func(g_free);
    const char *path = g_getenv("PATH");
    /* libvirt's choice: QEMU's messages, which domcaps quotes, untranslated */
    g_ptr_array_add(env, g_strdup("LC_ALL=C"));
    g_ptr_array_add(env, g_strdup_printf("PATH=%s", path && *path ? path : DC_QMP_DEFAULT_PATH));
    struct passwd pw, *found = NULL;
    char buf[16384];
    /* Whose home: the user QEMU runs as, else the caller's (by uid, not $HOME). */
    if (!as && getpwuid_r(geteuid(), &pw, buf, sizeof(buf), &found) == 0 && found) {
        g_ptr_array_add(env, g_strdup_printf("HOME=%s", found->pw_dir));
        g_ptr_array_add(env, g_strdup_printf("USER=%s", found->pw_name));
        g_ptr_array_add(env, g_strdup_printf("LOGNAME=%s", found->pw_name));
    } else if (as) {
        g_ptr_array_add(env, g_strdup_printf("HOME=%s", as->home ? as->home : "/"));
        g_ptr_array_add(env, g_strdup_printf("USER=%s", as->name));
        g_ptr_array_add(env, g_strdup_printf("LOGNAME=%s", as->name));
    }
    for (const char *const *v = qemu_variables; *v; v++)
        env_pass(env, *v);
    /* Named by the caller: DOMCAPS_QEMU_ENV="NAME NAME..." (a wrapper
     * emulator's settings, say). */
    g_auto(GStrv) asked = g_strsplit_set(g_getenv("DOMCAPS_QEMU_ENV") ? g_getenv("DOMCAPS_QEMU_ENV") : "", " ,:", -1);
    for (char **a = asked; *a; a++)
        if (**a)
            env_pass(env, *a);
    g_ptr_array_add(env, NULL);
    return (char **)g_ptr_array_steal(env, NULL);
}

/* May this identity read and write the node? By its mode bits, as the
 * kernel decides for a user that is not root (ACLs aside). */
gboolean dc_qmp_creds_may_rw(const DcQmpCreds *as, const struct stat *st)
{
    if (as->uid == 0)
        return TRUE;
    mode_t rw;
    gboolean in_group = as->gid == st->st_gid;
    for (int i = 0; i < as->n_groups && !in_group; i++)
        in_group = as->groups[i] == st->st_gid;
    if (as->uid == st->st_uid)
        rw = S_IRUSR | S_IWUSR;
    else if (in_group)
        rw = S_IRGRP | S_IWGRP;
    else
        rw = S_IROTH | S_IWOTH;
    return (st->st_mode & rw) == rw;
}
