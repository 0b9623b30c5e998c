/* snapshot_cmd: renders the snapshot core (core/snapshot.h) on the command
 * line. Every path and command shown may come from the sandbox, so each is
 * sanitised before it reaches the terminal. Exit statuses: 0 done, 1 the
 * operation failed (a corrupted store, a restore that could not finish),
 * 2 bad input (an invalid or unknown id, a checkpoint that does not exist). */
#include "snapshot_cmd.h"
#include "headless.h"
#include "sanitize.h"
#include "util.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define SUMMARY_PATHS 10

/* abs shown relative to base when below it. */
static char *display(const char *abs, const char *base)
{
	size_t n = base ? strlen(base) : 0;
	if (n > 1 && strncmp(abs, base, n) == 0 && abs[n] == '/' && abs[n + 1])
		return sanitize_str(abs + n + 1);
	return sanitize_str(abs);
}

static void print_changes(const struct snap_changes *c, const char *base, size_t max)
{
	for (size_t i = 0; i < c->n && i < max; i++) {
		cleanup_free char *p = display(c->v[i].path, base);
		printf("%c %s%s\n", c->v[i].kind, p, c->v[i].type == 'd' ? "/" : "");
	}
}

static int open_store(struct snap_store **st)
{
	char err[1024];
	if (snap_store_open(NULL, false, st, err, sizeof err) < 0) {
		headless_error(err);
		return 1;
	}
	return 0;
}

static int open_session(const struct cli_options *o, struct snap_store *st,
                        struct snap_session **s)
{
	char err[1024];
	bool not_found = false;
	if (snap_session_open(st, o->snap_id, s, &not_found, err, sizeof err) < 0) {
		headless_error(err);
		return not_found ? 2 : 1;
	}
	if (o->snap_checkpoint_set && o->snap_checkpoint >= snap_session_checkpoints(*s)) {
		char msg[256];
		snprintf(msg, sizeof msg, "snapshot %s has no checkpoint %lu (it has 0..%zu)",
		         o->snap_id, o->snap_checkpoint, snap_session_checkpoints(*s) - 1);
		headless_error(msg);
		snap_session_close(*s);
		return 2;
	}
	return 0;
}

static int cmd_list(void)
{
	struct snap_store *st;
	char err[1024];
	if (open_store(&st))
		return 1;
	struct snap_info *v;
	size_t n;
	if (snap_list(st, &v, &n, err, sizeof err) < 0) {
		headless_error(err);
		snap_store_close(st);
		return 1;
	}
	printf("%-14s %-16s %-18s %s\n", "ID", "TIME", "CHANGES", "COMMAND");
	for (size_t i = 0; i < n; i++) {
		time_t t = (time_t)(v[i].time_ns / 1000000000ull);
		struct tm tm;
		char when[32], changes[64];
		localtime_r(&t, &tm);
		strftime(when, sizeof when, "%Y-%m-%d %H:%M", &tm);
		snprintf(changes, sizeof changes, "+%zu ~%zu -%zu%s", v[i].added, v[i].modified,
		         v[i].deleted, v[i].restore_pending ? " (restore!)" : "");
		cleanup_free char *cmd = sanitize_str(v[i].command);
		printf("%-14s %-16s %-18s %s\n", v[i].id, when, changes, cmd);
	}
	snap_info_free(v, n);
	snap_store_close(st);
	return 0;
}

/* The store and the session the subcommand names; nonzero: the exit status. */
/* What diff and restore work on: the session, and the paths given on the
 * command line made absolute against the cwd. */
struct target {
	struct snap_store *st;
	struct snap_session *s;
	char *cwd;
	struct strlist paths;
};

static int open_target(const struct cli_options *o, struct target *t)
{
	memset(t, 0, sizeof *t);
	int rc = open_store(&t->st);
	if (rc)
		return rc;
	if ((rc = open_session(o, t->st, &t->s))) {
		snap_store_close(t->st);
		return rc;
	}
	t->cwd = getcwd(NULL, 0);
	policy_absolute_paths(&o->snap_paths, t->cwd ? t->cwd : "/", getenv("HOME"), &t->paths);
	return 0;
}

static void close_target(struct target *t)
{
	strlist_clear(&t->paths);
	free(t->cwd);
	snap_session_close(t->s);
	snap_store_close(t->st);
}

static int cmd_diff(const struct cli_options *o)
{
	struct target t;
	char err[1024];
	int rc = open_target(o, &t);
	if (rc)
		return rc;
	size_t from = o->snap_checkpoint_set ? o->snap_checkpoint : 0;
	size_t to = o->snap_now ? SNAP_NOW : snap_session_checkpoints(t.s) - 1;
	struct snap_changes c;
	if (snap_diff(t.s, from, to, &t.paths, &c, err, sizeof err) < 0) {
		headless_error(err);
		rc = 1;
	} else if (!o->snap_patch) {
		print_changes(&c, t.cwd, c.n);
	} else {
		for (size_t i = 0; i < c.n && rc == 0; i++) {
			if (snap_change_patch(t.s, &c.v[i], t.cwd, stdout, err, sizeof err) < 0) {
				fflush(stdout);
				headless_error(err);
				rc = 1;
			}
		}
	}
	snap_changes_free(&c);
	close_target(&t);
	return rc;
}

static int cmd_restore(const struct cli_options *o)
{
	struct target t;
	char err[1024];
	int rc = open_target(o, &t);
	if (rc)
		return rc;
	size_t n = o->snap_checkpoint_set ? o->snap_checkpoint : 0;
	struct snap_restore_stats rs;
	if (snap_restore(t.s, n, &t.paths, &rs, err, sizeof err) < 0) {
		headless_error(err);
		rc = 1;
	} else {
		char msg[512];
		snprintf(msg, sizeof msg,
		         "snapshot %s: restored to checkpoint %zu (%s): %zu written, %zu removed, "
		         "%zu directories created, %zu modes%s%s",
		         snap_session_id(t.s), n, snap_session_checkpoint_name(t.s, n), rs.written,
		         rs.removed, rs.created_dirs, rs.chmods,
		         rs.kept ? "; kept directories holding excluded files" : "",
		         rs.resumed ? "; an interrupted restore was completed first" : "");
		headless_error(msg);
	}
	close_target(&t);
	return rc;
}

static int cmd_clean(const struct cli_options *o)
{
	struct snap_store *st;
	char err[1024];
	if (open_store(&st))
		return 1;
	struct snap_clean_stats cs;
	int rc = 0;
	if (snap_clean(st, o->snap_older_than, &cs, err, sizeof err) < 0) {
		headless_error(err);
		rc = 1;
	} else {
		char msg[256];
		snprintf(msg, sizeof msg, "snapshot clean: removed %zu sessions, %zu objects (%.1f MB)%s",
		         cs.sessions, cs.objects, (double)cs.bytes / 1e6,
		         cs.kept_busy ? "; sessions in use or with a pending restore were kept" : "");
		headless_error(msg);
	}
	snap_store_close(st);
	return rc;
}

int snapshot_command(const struct cli_options *o)
{
	switch (o->action) {
	case CLI_SNAPSHOT_LIST:
		return cmd_list();
	case CLI_SNAPSHOT_DIFF:
		return cmd_diff(o);
	case CLI_SNAPSHOT_RESTORE:
		return cmd_restore(o);
	case CLI_SNAPSHOT_CLEAN:
		return cmd_clean(o);
	default:
		return 2;
	}
}

bool snapshot_end(const struct cli_options *o, const char *cwd, struct snap_store *st,
                  struct snap_session *s)
{
	char err[1024], msg[1400];
	size_t n;
	bool ok = true;
	if (snap_checkpoint(s, "end", &n, err, sizeof err) < 0) {
		headless_error(err);
		ok = false;
	}
	struct snap_changes c = {0};
	if (ok && snap_diff(s, 0, n, NULL, &c, err, sizeof err) < 0) {
		headless_error(err);
		ok = false;
	}
	if (ok) {
		snap_changes_emit(&c);
		snprintf(msg, sizeof msg, "snapshot: %zu created, %zu modified, %zu deleted (session %s)",
		         c.added, c.modified, c.deleted, snap_session_id(s));
		headless_error(msg);
		for (size_t i = 0; i < c.n && i < SUMMARY_PATHS; i++) {
			cleanup_free char *p = display(c.v[i].path, cwd);
			fprintf(stderr, "glassbox:   %c %s%s\n", c.v[i].kind, p,
			        c.v[i].type == 'd' ? "/" : "");
		}
		if (c.n > SUMMARY_PATHS)
			fprintf(stderr, "glassbox:   ... and %zu more: glassbox snapshot diff %s\n",
			        c.n - SUMMARY_PATHS, snap_session_id(s));
	}
	snap_changes_free(&c);
	if (o->restore) {
		struct snap_restore_stats rs;
		if (snap_restore(s, 0, NULL, &rs, err, sizeof err) < 0) {
			headless_error(err);
			snprintf(msg, sizeof msg,
			         "restore did not complete; run: glassbox snapshot restore %s",
			         snap_session_id(s));
			headless_error(msg);
			ok = false;
		} else {
			snprintf(msg, sizeof msg,
			         "snapshot: rolled back (%zu written, %zu removed, %zu directories "
			         "created)%s",
			         rs.written, rs.removed, rs.created_dirs,
			         rs.kept ? "; directories holding excluded files were kept" : "");
			headless_error(msg);
		}
	}
	snap_session_close(s);
	snap_store_close(st);
	return ok;
}
