/* QMP transport: one interface, two implementations.
 *  - live: spawns QEMU on a private socketpair (no socket file, nothing left
 *    on disk), pipelines requests, enforces a deadline, kills and reaps QEMU.
 *  - replay: answers from a recorded transcript (libvirt's .replies layout),
 *    so tests run without QEMU and libvirt's own recordings can be reused.
 * Either can record what it exchanged into a transcript. */
#pragma once
#include <glib.h>
#include <json-c/json.h>
#include <sys/types.h>

typedef struct DcQmp DcQmp;

/* One request of a batch. After dc_qmp_run(), exactly one of reply/error is set. */
typedef struct {
    const char *command;      /* "query-machines" */
    json_object *args;        /* owned by the caller, may be NULL */
    json_object *reply;       /* "return" member, owned by the request (free with dc_qmp_request_clear) */
    char *error_class;        /* QMP error class when QEMU refused the command */
    char *error_desc;
} DcQmpRequest;

void dc_qmp_request_clear(DcQmpRequest *req);

/* Start QEMU for probing. argv_extra are appended to the fixed probe options
 * (e.g. "-accel", "tcg"). timeout_ms bounds the whole session. */
DcQmp *dc_qmp_live_new(const char *emulator, const char *const *argv_extra, int timeout_ms, GError **err);

/* Who QEMU runs as when domcaps runs as root (docs/security.md). Looked up
 * before fork: user databases (NSS) cannot be read between fork and exec. */
typedef struct {
    char *name;
    char *home;          /* the user's home directory, for QEMU's HOME */
    uid_t uid;
    gid_t gid;
    gid_t *groups;       /* supplementary groups: the user's, plus /dev/kvm's */
    int n_groups;
} DcQmpCreds;

/* Look up a user by name (or numeric uid). The supplementary groups are the
 * user's own, plus the group owning /dev/kvm when that group may read and
 * write it, so an unprivileged probe keeps KVM. Refuses when the caller is
 * not root and the user is not the caller. */
gboolean dc_qmp_creds_lookup(const char *user, DcQmpCreds *out, GError **err);
/* The same, with @group (name or numeric gid, NULL: the user's own) as the
 * primary group, as libvirt's qemu.conf `group` sets it. */
gboolean dc_qmp_creds_lookup_group(const char *user, const char *group, DcQmpCreds *out, GError **err);
void dc_qmp_creds_clear(DcQmpCreds *creds);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(DcQmpCreds, dc_qmp_creds_clear)

/* The Debian package's system user for probing (debian/domcaps.postinst),
 * used where libvirt is not installed; libvirt's QEMU configuration. */
#define DC_QMP_SYSTEM_USER "domcaps"
#define DC_QMP_LIBVIRT_CONF "/etc/libvirt/qemu.conf"
/* QEMU's PATH when the caller has none. */
#define DC_QMP_DEFAULT_PATH "/usr/local/bin:/usr/bin:/bin"

/* The `user` and `group` libvirt's qemu.conf at @path sets (NULL: not set);
 * FALSE when there is no such file (libvirt is not installed). */
gboolean dc_qmp_libvirt_conf_read(const char *path, char **user, char **group);

/* Who a root domcaps runs QEMU as when no user is named: qemu.conf's user
 * (and group, in @group), libvirt's default user when qemu.conf names
 * none, else DC_QMP_SYSTEM_USER if it exists; else NULL with an error
 * (DC_QMP_ERROR_SPAWN) that names --user. */
char *dc_qmp_default_user(const char *libvirt_conf, char **group, GError **err);

/* May @as read and write the node @st describes (/dev/kvm)? By its mode
 * bits, as the kernel decides for a user that is not root (ACLs aside). */
struct stat;
gboolean dc_qmp_creds_may_rw(const DcQmpCreds *as, const struct stat *st);

/* QEMU's environment, built: LC_ALL=C, PATH (the caller's, else
 * DC_QMP_DEFAULT_PATH), HOME, USER and LOGNAME of @as (NULL: of the
 * caller, from the user database), QEMU's own variables the caller set
 * (QEMU_MODULE_DIR, QEMU_AUDIO_DRV) and those $DOMCAPS_QEMU_ENV names.
 * Nothing else of the caller's. Free with g_strfreev(). */
char **dc_qmp_env_new(const DcQmpCreds *as);

/* As dc_qmp_live_new(), QEMU running as `creds` (NULL: as the caller). */
DcQmp *dc_qmp_live_new_as(const char *emulator, const char *const *argv_extra, int timeout_ms,
                          const DcQmpCreds *creds, GError **err);

/* Replay a transcript file. */
DcQmp *dc_qmp_replay_new(const char *transcript_path, GError **err);
DcQmp *dc_qmp_replay_new_from_data(const char *data, gsize len, GError **err);

/* Probe passes of a transcript (each starts with qmp_capabilities; libvirt's
 * recordings hold a KVM pass then a TCG pass), 0 for a live transport; and
 * the pass the next qmp_capabilities starts. Questions a later pass lacks
 * are answered from the first. */
guint dc_qmp_replay_n_passes(DcQmp *qmp);
void dc_qmp_replay_use_pass(DcQmp *qmp, guint pass);

/* The QMP greeting (the "QMP" member), owned by the transport. */
json_object *dc_qmp_greeting(DcQmp *qmp);

/* The program that answered: the file QEMU's process runs once it greets
 * (a wrapper script such as Debian's qemu-system-i386 execs the real
 * binary); NULL for a replay, or when the kernel does not say. */
const char *dc_qmp_executable(DcQmp *qmp);

/* Send all requests (pipelined where the transport can) and collect replies.
 * Returns FALSE only on transport failure (EOF, timeout, garbage); a QMP
 * error reply is not a failure, it is stored in the request. */
gboolean dc_qmp_run(DcQmp *qmp, DcQmpRequest *reqs, gsize n, GError **err);

/* Convenience: run one command; returns the reply (caller owns) or NULL with
 * err set (QMP errors become DC_QMP_ERROR_COMMAND). */
json_object *dc_qmp_call(DcQmp *qmp, const char *command, json_object *args, GError **err);

/* Record every exchange from now on into a transcript (appended to `out`). */
void dc_qmp_set_recorder(DcQmp *qmp, GString *out);

/* Stop QEMU (kill and reap) / release replay data. Safe on NULL. */
void dc_qmp_free(DcQmp *qmp);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(DcQmp, dc_qmp_free)

/* Append one exchange to a transcript in libvirt's .replies layout. */
void dc_qmp_transcript_append(GString *out, const char *command, json_object *args, const char *id,
                              json_object *reply, const char *error_class, const char *error_desc);

#define DC_QMP_ERROR (dc_qmp_error_quark())
GQuark dc_qmp_error_quark(void);
typedef enum {
    DC_QMP_ERROR_SPAWN,       /* could not start the emulator */
    DC_QMP_ERROR_TIMEOUT,     /* no answer before the deadline */
    DC_QMP_ERROR_EOF,         /* emulator exited / closed the monitor */
    DC_QMP_ERROR_PROTOCOL,    /* garbage, oversized or unexpected message */
    DC_QMP_ERROR_COMMAND,     /* QEMU answered with an error */
    DC_QMP_ERROR_REPLAY,      /* transcript has no answer for a request */
    DC_QMP_ERROR_NOT_QMP,     /* it ran, but never greeted with QMP: not QEMU */
} DcQmpErrorCode;

/* The live wire, as pure functions (no I/O) so the fuzzers can drive
 * exactly the code that reads a real QEMU. QMP sends one JSON object per
 * line; the reader splits lines and parses them, bounded by max_message. */
typedef struct {
    GString *buf;        /* bytes received; buf->str + start not yet returned */
    gsize start;         /* consumed bytes at the head of buf (dropped on push) */
    gsize scanned;       /* bytes from start known to hold no newline */
    gsize max_message;
} DcQmpReader;

typedef enum {
    DC_QMP_READ_MORE,      /* no complete line yet: push more bytes */
    DC_QMP_READ_MESSAGE,   /* *msg is a new JSON object (caller owns it) */
    DC_QMP_READ_MALFORMED, /* a line that is not exactly one JSON object */
    DC_QMP_READ_TOO_LARGE, /* a line longer than max_message */
} DcQmpReadStatus;

void dc_qmp_reader_init(DcQmpReader *r, gsize max_message);
void dc_qmp_reader_clear(DcQmpReader *r);
void dc_qmp_reader_push(DcQmpReader *r, const char *data, gsize len);
DcQmpReadStatus dc_qmp_reader_next(DcQmpReader *r, json_object **msg);
/* Whether bytes of an incomplete message are waiting (for EOF messages). */
gboolean dc_qmp_reader_pending(const DcQmpReader *r);

typedef enum {
    DC_QMP_MSG_EVENT,      /* an asynchronous event: ignore it */
    DC_QMP_MSG_ANSWER,     /* stored as the reply or error of one request */
    DC_QMP_MSG_UNEXPECTED, /* no pending request has this id */
    DC_QMP_MSG_NO_RESULT,  /* neither "return" nor "error" */
} DcQmpMsgKind;

/* Match a message to requests reqs[0..n) sent with wire ids first_id.. and
 * store its result there. Does not take msg's reference. */
DcQmpMsgKind dc_qmp_dispatch(DcQmpRequest *reqs, gsize n, gint64 first_id, json_object *msg);

/* A copy of text from the emulator fit for a one-line error message:
 * control characters become spaces (line breaks, tabs) or '?', invalid
 * UTF-8 is replaced, and it is cut to at most max_chars characters. */
char *dc_qmp_printable(const char *text, gsize max_chars);

/* Transport internals shared by the implementations. */
typedef struct {
    gboolean (*run)(DcQmp *qmp, DcQmpRequest *reqs, gsize n, GError **err);
    void (*free)(DcQmp *qmp);
} DcQmpOps;

struct DcQmp {
    const DcQmpOps *ops;
    json_object *greeting;
    char *executable;         /* the program that answers (live), NULL: unknown */
    GString *recorder;        /* not owned */
    unsigned next_id;
};
