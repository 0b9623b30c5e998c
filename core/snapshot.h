/* snapshot: record the tracked part of the file system, see what changed,
 * take named checkpoints and roll back — all or some paths — crash-safely.
 *
 * Data flow: a session (one sandboxed run) tracks a set of roots (absolute
 * directories) minus excluded paths. Each checkpoint walks the roots
 * (snap_scan.c), stores every file's content once in a content-addressed,
 * verified object store (snap_store.c) and writes a JSON manifest
 * (snap_manifest.c). Change lists and unified diffs come from comparing two
 * manifests, or a manifest and a fresh scan (snap_diff.c); restore computes a
 * plan from such a comparison, journals it in the store and applies it with
 * temp + rename from dirfds that never follow symlinks (snap_restore.c).
 * snap_session.c ties these together behind the API below; the faces (the
 * headless runner, the subcommands, later the TUI) only use this header.
 *
 * Errors: functions return 0 or -1 with one line in err (never printed here).
 * Nothing here exits. */
#ifndef GLASSBOX_SNAPSHOT_H
#define GLASSBOX_SNAPSHOT_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "strlist.h"

struct snap_store;
struct snap_session;

/* The store directory: $GLASSBOX_HOME/snapshots, else
 * $XDG_STATE_HOME/glassbox/snapshots, else ~/.local/state/glassbox/snapshots.
 * NULL when none can be derived. Caller frees. */
char *snap_store_default_path(void);
/* Opens (creating with create) the store at dir (NULL: the default). */
int snap_store_open(const char *dir, bool create, struct snap_store **out, char *err,
                    size_t errlen);
void snap_store_close(struct snap_store *st);
const char *snap_store_path(const struct snap_store *st);

/* Session ids name directories in the store: 1-64 characters of
 * [A-Za-z0-9._-], not "." or "..", no '/'. */
bool snap_id_valid(const char *id);

/* Default excludes (Zerobox's): .git .hg .svn node_modules __pycache__ .venv
 * target build dist out. */
extern const char *const snap_default_excludes[];

/* How far a recording is: what has been walked so far over all roots and
 * the root being walked. The callback runs after every entry (throttle the
 * display yourself); returning false stops the recording, which then fails
 * with "interrupted" and leaves nothing of the session in the store (objects
 * already stored are complete and go with the next `snapshot clean`). */
struct snap_progress {
	const char *root;
	uint64_t files, bytes; /* regular files, and their bytes */
};
typedef bool (*snap_progress_fn)(const struct snap_progress *p, void *ctx);

struct snap_session_spec {
	const char *id;                    /* new session id (snap_id_valid) */
	const char *cwd;                   /* where the command runs (display) */
	const struct strlist *roots;       /* absolute existing directories */
	const struct strlist *excludes;    /* extra gitignore-style patterns */
	const struct strlist *command;     /* argv, for `snapshot list` */
	snap_progress_fn progress;         /* checkpoint 0's progress, may be NULL */
	void *progress_ctx;
};

/* Creates a session and records checkpoint 0 ("start"). */
int snap_session_create(struct snap_store *st, const struct snap_session_spec *spec,
                        struct snap_session **out, char *err, size_t errlen);
/* Opens an existing session; an unknown or invalid id fails with
 * *not_found set (bad input for the CLI). */
int snap_session_open(struct snap_store *st, const char *id, struct snap_session **out,
                      bool *not_found, char *err, size_t errlen);
void snap_session_close(struct snap_session *s);
/* Closes s and removes it from the store: a session recorded for a run that
 * never started (stopped right after checkpoint 0). */
void snap_session_discard(struct snap_session *s);
const char *snap_session_id(const struct snap_session *s);
size_t snap_session_checkpoints(const struct snap_session *s);
const char *snap_session_checkpoint_name(const struct snap_session *s, size_t n);

/* Records a new checkpoint named name (NULL: "cpN"); its number in *n. */
int snap_checkpoint(struct snap_session *s, const char *name, size_t *n, char *err,
                    size_t errlen);

enum snap_kind { SNAP_ADDED = 'A', SNAP_MODIFIED = 'M', SNAP_DELETED = 'D' };

struct snap_change {
	char kind;          /* enum snap_kind */
	char type;          /* 'f' file, 'd' directory, 'l' symlink (new, or old if deleted) */
	char *path;         /* absolute */
	int64_t size_delta; /* bytes: new size - old size */
	uint64_t old_size, new_size;
	/* What the two sides were (0 type when absent): content hashes for files
	 * (hex), targets for symlinks. */
	char old_type, new_type;
	unsigned mode_old, mode_new;
	char *old_ref, *new_ref;
};

struct snap_changes {
	struct snap_change *v;
	size_t n;
	size_t added, modified, deleted;
};
void snap_changes_free(struct snap_changes *c);

#define SNAP_NOW ((size_t)-1)
/* Changes from checkpoint `from` to checkpoint `to` (SNAP_NOW: the tree as
 * it is now, scanned with the checkpoint's excludes and hashing only files
 * whose (size, mtime, ino, ctime) changed). paths (absolute; NULL or empty =
 * all) limit the list to those paths and what is below them. */
int snap_diff(struct snap_session *s, size_t from, size_t to, const struct strlist *paths,
              struct snap_changes *out, char *err, size_t errlen);
/* Emits one EV_CHANGE event per change (path, change A/M/D, type,
 * size_delta). */
void snap_changes_emit(const struct snap_changes *c);
/* Writes a unified diff of one change to out ("Binary files differ" for
 * non-text content). Paths in the header are shown relative to base when
 * below it. */
int snap_change_patch(struct snap_session *s, const struct snap_change *c, const char *base,
                      FILE *out, char *err, size_t errlen);

struct snap_restore_stats {
	size_t written, removed, created_dirs, chmods, kept; /* kept: could not remove */
	bool resumed; /* an interrupted restore was completed first */
};
/* Brings the tracked tree (or only paths, absolute) back to checkpoint n. A
 * journal in the store makes it crash-safe: if a previous restore of this
 * session was interrupted, it is completed first. */
int snap_restore(struct snap_session *s, size_t n, const struct strlist *paths,
                 struct snap_restore_stats *stats, char *err, size_t errlen);

/* One row of `snapshot list`. */
struct snap_info {
	char id[72];
	uint64_t time_ns;
	char *command; /* argv joined by spaces (unsanitised) */
	size_t checkpoints;
	size_t added, modified, deleted; /* first checkpoint vs last */
	bool restore_pending;             /* an interrupted restore's journal */
};
/* All sessions, oldest first. */
int snap_list(struct snap_store *st, struct snap_info **out, size_t *n, char *err,
              size_t errlen);
void snap_info_free(struct snap_info *v, size_t n);

struct snap_clean_stats {
	size_t sessions, objects, kept_busy;
	uint64_t bytes;
};
/* Removes sessions older than older_than_days (negative: all sessions) that
 * no process is using, then every object no remaining manifest refers to. */
int snap_clean(struct snap_store *st, double older_than_days, struct snap_clean_stats *stats,
               char *err, size_t errlen);

#endif
