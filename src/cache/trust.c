/* Which cache files may be believed: only what the caller, or root, could
 * have written (as ssh's StrictModes judges ~/.ssh and git's
 * safe.directory a repository). Anyone else able to write there could
 * put an answer in it that the caller would print as its host's. */
#include "cache/cache.h"
#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>

/* Owned by someone other than the caller and root? */
static gboolean foreign_owner(const struct stat *st)
{
    return st->st_uid != geteuid() && st->st_uid != 0;
}

/* Why @st (of @what, named @path) lets another user write, NULL when it
 * does not. A sticky directory (/tmp) lets others add, not replace, and is
 * accepted where @sticky_ok. */
static char *writable_by_others(const struct stat *st, const char *what, const char *path, gboolean sticky_ok)
{
    if (foreign_owner(st))
        return g_strdup_printf("%s %s is owned by uid %u, not by this user or root", what, path,
                               (unsigned)st->st_uid);
    if ((st->st_mode & (S_IWGRP | S_IWOTH)) && !(sticky_ok && (st->st_mode & S_ISVTX)))
        return g_strdup_printf("%s %s is writable by %s (mode %04o)", what, path,
                               st->st_mode & S_IWOTH ? "every user" : "its group", (unsigned)(st->st_mode & 07777));
    return NULL;
}

char *dc_cache_file_untrusted(const struct stat *st, const char *path)
{
    return writable_by_others(st, "the entry", path, FALSE);
}

char *dc_cache_dir_untrusted(const char *dir)
{
    /* The directory itself must be the caller's or root's, written by no
     * one else; each directory above it too, or sticky (no one else can
     * rename the cache away and put another in its place). A directory not
     * made yet is judged by the ones it will be made in. */
    g_autofree char *path = g_canonicalize_filename(dir, NULL);
    gboolean self = TRUE;
    for (;;) {
        struct stat st;
        if (stat(path, &st) == 0) {
            char *why = writable_by_others(&st, self ? "the cache directory" : "its parent", path, !self);
            if (why)
                return why;
        } else if (errno != ENOENT) {
            return NULL;  /* unreadable: the read itself will fail and say so */
        }
        self = FALSE;
        if (strcmp(path, "/") == 0)
            return NULL;
        char *parent = g_path_get_dirname(path);
        g_free(path);
        path = parent;
    }
}
