/* QMP transport: replay parsing and lookup; live transport against small
 * fake emulators written as shell scripts (real QEMU is covered by the live
 * suite). */
#include "qmp/qmp.h"
#include <glib/gstdio.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

static const char transcript[] =
    "{\"execute\": \"qmp_capabilities\", \"id\": \"libvirt-1\"}\n\n"
    "{\"return\": {}, \"id\": \"libvirt-1\"}\n\n"
    "{\"execute\": \"query-version\", \"id\": \"libvirt-2\"}\n\n"
    "{\"return\": {\"qemu\": {\"major\": 7, \"minor\": 2, \"micro\": 0}, \"package\": \"\"}, \"id\": \"libvirt-2\"}\n\n"
    "{\"execute\": \"query-cpu-model-expansion\", \"arguments\": {\"type\": \"static\", \"model\": {\"name\": \"max\"}}, \"id\": \"libvirt-3\"}\n\n"
    "{\"return\": {\"model\": {\"name\": \"base\"}}, \"id\": \"libvirt-3\"}\n\n"
    "{\"execute\": \"query-sev-capabilities\", \"id\": \"libvirt-4\"}\n\n"
    "{\"id\": \"libvirt-4\", \"error\": {\"class\": \"GenericError\", \"desc\": \"SEV: No such file\"}}\n\n"
    "{\"execute\": \"qmp_capabilities\", \"id\": \"libvirt-1\"}\n\n"
    "{\"return\": {}, \"id\": \"libvirt-1\"}\n\n"
    "{\"execute\": \"query-version\", \"id\": \"libvirt-2\"}\n\n"
    "{\"return\": {\"qemu\": {\"major\": 7, \"minor\": 2, \"micro\": 1}, \"package\": \"\"}, \"id\": \"libvirt-2\"}\n";

static void test_replay_passes(void)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(DcQmp) qmp = dc_qmp_replay_new_from_data(transcript, strlen(transcript), &err);
    g_assert_no_error(err);
    json_object *r = dc_qmp_call(qmp, "qmp_capabilities", NULL, &err);
    g_assert_no_error(err);
    json_object_put(r);
    r = dc_qmp_call(qmp, "query-version", NULL, &err);
    g_assert_no_error(err);
    json_object *q = NULL;
    g_assert_true(json_object_object_get_ex(r, "qemu", &q));
    g_assert_cmpint(json_object_get_int(json_object_object_get(q, "micro")), ==, 0);
    json_object_put(r);

    /* Arguments match regardless of key order. */
    json_object *args = json_tokener_parse("{\"model\": {\"name\": \"max\"}, \"type\": \"static\"}");
    r = dc_qmp_call(qmp, "query-cpu-model-expansion", args, &err);
    g_assert_no_error(err);
    g_assert_nonnull(r);
    json_object_put(r);
    json_object_put(args);

    /* A recorded error is an error; an unknown command answers CommandNotFound. */
    r = dc_qmp_call(qmp, "query-sev-capabilities", NULL, &err);
    g_assert_null(r);
    g_assert_error(err, DC_QMP_ERROR, DC_QMP_ERROR_COMMAND);
    g_assert_nonnull(strstr(err->message, "SEV: No such file"));
    g_clear_error(&err);
    DcQmpRequest req = { .command = "query-nothing" };
    g_assert_true(dc_qmp_run(qmp, &req, 1, &err));
    g_assert_cmpstr(req.error_class, ==, "CommandNotFound");
    dc_qmp_request_clear(&req);

    /* The second pass answers from its own replies. */
    r = dc_qmp_call(qmp, "qmp_capabilities", NULL, &err);
    json_object_put(r);
    r = dc_qmp_call(qmp, "query-version", NULL, &err);
    g_assert_no_error(err);
    json_object_object_get_ex(r, "qemu", &q);
    g_assert_cmpint(json_object_get_int(json_object_object_get(q, "micro")), ==, 1);
    json_object_put(r);
}

static void test_replay_malformed(void)
{
    const char *bad[] = { "{\"execute\": \"x\"", "[1,2]", "{\"return\": }", "\x01\x02" };
    for (gsize i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_autoptr(GError) err = NULL;
        DcQmp *qmp = dc_qmp_replay_new_from_data(bad[i], strlen(bad[i]), &err);
        g_assert_null(qmp);
        g_assert_error(err, DC_QMP_ERROR, DC_QMP_ERROR_REPLAY);
    }
}

static void test_record_roundtrip(void)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(GString) rec = g_string_new(NULL);
    {
        g_autoptr(DcQmp) qmp = dc_qmp_replay_new_from_data(transcript, strlen(transcript), &err);
        dc_qmp_set_recorder(qmp, rec);
        json_object_put(dc_qmp_call(qmp, "qmp_capabilities", NULL, &err));
        json_object_put(dc_qmp_call(qmp, "query-version", NULL, &err));
    }
    g_autoptr(DcQmp) again = dc_qmp_replay_new_from_data(rec->str, rec->len, &err);
    g_assert_no_error(err);
    json_object_put(dc_qmp_call(again, "qmp_capabilities", NULL, &err));
    json_object *r = dc_qmp_call(again, "query-version", NULL, &err);
    g_assert_no_error(err);
    g_assert_nonnull(r);
    json_object_put(r);
}

/* --- the live wire as pure functions --- */

static void test_reader_framing(void)
{
    DcQmpReader r;
    dc_qmp_reader_init(&r, 64);
    json_object *msg = NULL;
    /* A message cut anywhere arrives whole; CRLF and blank lines are fine. */
    const char *wire = "\r\n{\"return\": {}, \"id\": 1}\r\n\n{\"event\": \"X\"}\n";
    for (const char *p = wire; *p; p++) {
        dc_qmp_reader_push(&r, p, 1);
        DcQmpReadStatus st = dc_qmp_reader_next(&r, &msg);
        if (st == DC_QMP_READ_MESSAGE) {
            g_assert_true(json_object_is_type(msg, json_type_object));
            json_object_put(msg);
        } else {
            g_assert_cmpint(st, ==, DC_QMP_READ_MORE);
        }
    }
    g_assert_false(dc_qmp_reader_pending(&r));
    dc_qmp_reader_push(&r, "{\"a\":", 5);
    g_assert_cmpint(dc_qmp_reader_next(&r, &msg), ==, DC_QMP_READ_MORE);
    g_assert_true(dc_qmp_reader_pending(&r));
    dc_qmp_reader_clear(&r);

    /* Not exactly one object per line. */
    const char *bad[] = { "{} x\n", "{}{}\n", "[1]\n", "42\n", "{\"a\": \"\0\"}\n", "\xff\n", "{\n" };
    const gsize bad_len[] = { 5, 5, 4, 3, 11, 2, 2 };
    for (gsize i = 0; i < G_N_ELEMENTS(bad); i++) {
        dc_qmp_reader_init(&r, 64);
        dc_qmp_reader_push(&r, bad[i], bad_len[i]);
        g_assert_cmpint(dc_qmp_reader_next(&r, &msg), ==, DC_QMP_READ_MALFORMED);
        g_assert_null(msg);
        dc_qmp_reader_clear(&r);
    }

    /* Too large, with or without a newline yet. */
    g_autofree char *big = g_strnfill(100, 'x');
    dc_qmp_reader_init(&r, 64);
    dc_qmp_reader_push(&r, big, 100);
    g_assert_cmpint(dc_qmp_reader_next(&r, &msg), ==, DC_QMP_READ_TOO_LARGE);
    dc_qmp_reader_push(&r, "\n", 1);
    g_assert_cmpint(dc_qmp_reader_next(&r, &msg), ==, DC_QMP_READ_TOO_LARGE);
    dc_qmp_reader_clear(&r);
}

static void test_dispatch(void)
{
    DcQmpRequest reqs[2] = { { .command = "a" }, { .command = "b" } };
    const struct {
        const char *msg;
        DcQmpMsgKind kind;
    } cases[] = {
        { "{\"event\": \"STOP\"}", DC_QMP_MSG_EVENT },
        { "{\"return\": {}, \"id\": -9223372036854775808}", DC_QMP_MSG_UNEXPECTED },
        { "{\"return\": {}, \"id\": 9223372036854775807}", DC_QMP_MSG_UNEXPECTED },
        { "{\"return\": {}, \"id\": \"10\"}", DC_QMP_MSG_UNEXPECTED },
        { "{\"id\": 10}", DC_QMP_MSG_NO_RESULT },
        { "{\"return\": null, \"id\": 10}", DC_QMP_MSG_ANSWER },
        { "{\"return\": {}, \"id\": 10}", DC_QMP_MSG_UNEXPECTED }, /* answered already */
        { "{\"error\": {\"class\": 5}, \"id\": 11}", DC_QMP_MSG_ANSWER },
    };
    for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
        json_object *m = json_tokener_parse(cases[i].msg);
        g_assert_nonnull(m);
        g_assert_cmpint(dc_qmp_dispatch(reqs, 2, 10, m), ==, cases[i].kind);
        json_object_put(m);
    }
    g_assert_nonnull(reqs[0].reply); /* "return": null is an (empty) answer */
    g_assert_null(reqs[0].error_class);
    g_assert_cmpstr(reqs[1].error_class, ==, "5");
    dc_qmp_request_clear(&reqs[0]);
    dc_qmp_request_clear(&reqs[1]);
}

static void test_printable(void)
{
    g_autofree char *a = dc_qmp_printable("line one\nline\ttwo \x1b[31m\xff", 100);
    g_assert_cmpstr(a, ==, "line one line two ?[31m\xef\xbf\xbd");
    g_autofree char *b = dc_qmp_printable("abcdef", 3);
    g_assert_cmpstr(b, ==, "abc...");
    g_autofree char *c = dc_qmp_printable(NULL, 3);
    g_assert_cmpstr(c, ==, "");
}

/* --- live transport against fake emulators --- */

static char *fake_dir;

static char *write_fake(const char *name, const char *body)
{
    char *path = g_build_filename(fake_dir, name, NULL);
    g_autofree char *script = g_strdup_printf("#!/bin/sh\n%s\n", body);
    g_assert_true(g_file_set_contents(path, script, -1, NULL));
    g_chmod(path, 0755);
    return path;
}

#define GREETING "echo '{\"QMP\": {\"version\": {}, \"capabilities\": []}}' >&3"

static void expect_failure(const char *name, const char *body, int code, int timeout_ms)
{
    g_autofree char *path = write_fake(name, body);
    g_autoptr(GError) err = NULL;
    gint64 start = g_get_monotonic_time();
    DcQmp *qmp = dc_qmp_live_new(path, NULL, timeout_ms, &err);
    if (qmp) {
        json_object *r = dc_qmp_call(qmp, "query-version", NULL, &err);
        g_assert_null(r);
        dc_qmp_free(qmp);
    }
    g_assert_nonnull(err);
    if (g_test_verbose())
        g_printerr("%s: %s\n", name, err->message);
    g_assert_error(err, DC_QMP_ERROR, code);
    g_assert_null(strchr(err->message, '\n'));
    /* Bounded by the deadline (plus slack for a slow machine). */
    g_assert_cmpint((g_get_monotonic_time() - start) / 1000, <, timeout_ms + 2000);
}

static void test_live_failures(void)
{
    expect_failure("hang-greeting", "exec sleep 30", DC_QMP_ERROR_TIMEOUT, 500);
    expect_failure("exit-early", "echo 'qemu: cannot frobnicate' >&2; exit 1", DC_QMP_ERROR_EOF, 5000);
    expect_failure("garbage", "echo 'this is not json' >&3; exec sleep 30", DC_QMP_ERROR_PROTOCOL, 5000);
    expect_failure("no-greeting", "echo '{\"hello\": 1}' >&3; exec sleep 30", DC_QMP_ERROR_NOT_QMP, 5000);
    expect_failure("hang-mid", GREETING "; exec sleep 30", DC_QMP_ERROR_TIMEOUT, 500);
    expect_failure("die-mid", GREETING "; read line <&3; exit 3", DC_QMP_ERROR_EOF, 5000);
    expect_failure("wrong-id", GREETING "; read line <&3; echo '{\"return\": {}, \"id\": 999}' >&3; exec sleep 30",
                   DC_QMP_ERROR_PROTOCOL, 5000);
}

static void test_live_not_executable(void)
{
    g_autofree char *path = g_build_filename(fake_dir, "plain", NULL);
    g_file_set_contents(path, "not a program", -1, NULL);
    g_autoptr(GError) err = NULL;
    g_assert_null(dc_qmp_live_new(path, NULL, 1000, &err));
    g_assert_error(err, DC_QMP_ERROR, DC_QMP_ERROR_SPAWN);
}

/* Root can run QEMU as another user: the child has that user's ids and
 * groups, never root's (the fake reports them on stderr, which the error
 * quotes). */
static void test_live_as_user(void)
{
    if (geteuid() != 0) {
        g_test_skip("needs root");
        return;
    }
    g_auto(DcQmpCreds) creds = { 0 };
    g_autoptr(GError) err = NULL;
    if (!dc_qmp_creds_lookup("nobody", &creds, &err)) {
        g_test_skip("no user 'nobody'");
        return;
    }
    g_assert_cmpuint(creds.uid, !=, 0);
    g_assert_cmpint(g_chmod(fake_dir, 0755), ==, 0);
    g_autofree char *path = write_fake("as-user", "echo \"ids: $(id -u) $(id -g) groups: $(id -G) :end\" >&2; exit 1");
    DcQmp *qmp = dc_qmp_live_new_as(path, NULL, 5000, &creds, &err);
    g_assert_null(qmp);
    g_assert_error(err, DC_QMP_ERROR, DC_QMP_ERROR_EOF);
    g_autofree char *want = g_strdup_printf("ids: %u %u groups: ", (unsigned)creds.uid, (unsigned)creds.gid);
    g_assert_nonnull(strstr(err->message, want));
    g_assert_nonnull(strstr(err->message, "as user 'nobody'"));
    g_assert_null(strstr(err->message, " 0 "));
    g_clear_error(&err);

    g_auto(DcQmpCreds) none = { 0 };
    g_assert_false(dc_qmp_creds_lookup("no-such-user-domcaps", &none, &err));
    g_assert_error(err, DC_QMP_ERROR, DC_QMP_ERROR_SPAWN);
    g_assert_nonnull(strstr(err->message, "unknown user"));
}

static void test_live_events_skipped(void)
{
    g_autofree char *path = write_fake("events",
        GREETING "; read line <&3; "
        "echo '{\"event\": \"X\", \"data\": {}}' >&3; "
        "echo '{\"return\": {\"ok\": true}, \"id\": 0}' >&3; exec sleep 30");
    g_autoptr(GError) err = NULL;
    g_autoptr(DcQmp) qmp = dc_qmp_live_new(path, NULL, 5000, &err);
    g_assert_no_error(err);
    json_object *r = dc_qmp_call(qmp, "anything", NULL, &err);
    g_assert_no_error(err);
    g_assert_true(json_object_get_boolean(json_object_object_get(r, "ok")));
    json_object_put(r);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    fake_dir = g_dir_make_tmp("domcaps-test-qmp-XXXXXX", NULL);
    g_test_add_func("/qmp/replay/passes", test_replay_passes);
    g_test_add_func("/qmp/replay/malformed", test_replay_malformed);
    g_test_add_func("/qmp/replay/record-roundtrip", test_record_roundtrip);
    g_test_add_func("/qmp/wire/reader", test_reader_framing);
    g_test_add_func("/qmp/wire/dispatch", test_dispatch);
    g_test_add_func("/qmp/wire/printable", test_printable);
    g_test_add_func("/qmp/live/failures", test_live_failures);
    g_test_add_func("/qmp/live/not-executable", test_live_not_executable);
    g_test_add_func("/qmp/live/events-skipped", test_live_events_skipped);
    g_test_add_func("/qmp/live/as-user", test_live_as_user);
    int rc = g_test_run();
    g_autofree char *cmd = g_strdup_printf("rm -rf '%s'", fake_dir);
    g_assert_cmpint(system(cmd), ==, 0);
    g_free(fake_dir);
    return rc;
}
