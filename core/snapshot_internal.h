/* snapshot_internal: what the snap_*.c files share — the in-memory manifest,
 * the object store's primitives, the exclude matcher, the scanner and the
 * tree differ. Only snap_*.c and the snapshot unit tests include this. */
#ifndef GLASSBOX_SNAPSHOT_INTERNAL_H
#define GLASSBOX_SNAPSHOT_INTERNAL_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <openssl/evp.h>
#include "snapshot.h"

#define SNAP_HASH_LEN 32
#define SNAP_HEX_LEN 64

/* ---- manifest ---------------------------------------------------------- */

struct snap_entry {
	char *path;     /* relative to its root, no leading '/'; never "" */
	char type;      /* 'f' 'd' 'l' */
	bool unreadable; /* content unknown (no permission): never touched */
	bool has_stat;   /* stat key valid (not racily recent) */
	uint32_t mode;   /* permission bits incl. suid/sgid/sticky */
	uint64_t size;   /* files: bytes; links: target length */
	unsigned char hash[SNAP_HASH_LEN]; /* files */
	char *target;    /* links */
	/* the index key: equal means unchanged without reading */
	int64_t mtime_ns, ctime_ns;
	uint64_t ino;
};

struct snap_tree {
	char *root;   /* absolute, canonical */
	uint32_t mode; /* of the root directory */
	struct snap_entry *v; /* sorted by strcmp(path) */
	size_t n, cap;
};

struct snap_manifest {
	char *name;
	uint64_t time_ns;
	struct strlist excludes; /* patterns in effect (defaults + flags) */
	struct snap_tree *trees;
	size_t n_trees;
};

void snap_manifest_free(struct snap_manifest *m);
void snap_tree_sort(struct snap_tree *t);
struct snap_entry *snap_tree_push(struct snap_tree *t);
const struct snap_entry *snap_tree_find(const struct snap_tree *t, const char *path);
const struct snap_tree *snap_manifest_tree(const struct snap_manifest *m, const char *root);
/* JSON (cJSON) text of a manifest, and back. */
char *snap_manifest_to_json(const struct snap_manifest *m);
int snap_manifest_from_json(const char *text, struct snap_manifest *m, char *err, size_t errlen);
void snap_hex(const unsigned char *hash, char *hex /* SNAP_HEX_LEN+1 */);
bool snap_unhex(const char *hex, unsigned char *hash);

/* ---- object store -------------------------------------------------------- */

struct snap_store {
	char *dir;
	int dfd;        /* the store directory */
	int objects_fd; /* dfd/objects */
	EVP_MD *sha256;
	bool dirty;     /* objects written since the last sync */
	uint8_t subdirs[32]; /* objects/xx known to exist (bitmap) */
};

/* Stores buf (content of one file) and returns its hash. */
int snap_obj_put_mem(struct snap_store *st, const void *buf, size_t len,
                     unsigned char hash[SNAP_HASH_LEN], char *err, size_t errlen);
/* Hashes (and with store, stores) the content of an open file. */
int snap_obj_put_fd(struct snap_store *st, int fd, bool store, unsigned char hash[SNAP_HASH_LEN],
                    uint64_t *size, char *err, size_t errlen);
bool snap_obj_exists(struct snap_store *st, const unsigned char hash[SNAP_HASH_LEN]);
/* Streams the verified content to fd. The data is checked against the hash
 * as it goes; on a mismatch the call fails with -EBADMSG and a one-line
 * "snapshot store is corrupted" message (what was written must be discarded). */
int snap_obj_to_fd(struct snap_store *st, const unsigned char hash[SNAP_HASH_LEN], int fd,
                   char *err, size_t errlen);
/* Reads the whole object and checks it (nothing is written anywhere). */
int snap_obj_verify(struct snap_store *st, const unsigned char hash[SNAP_HASH_LEN], char *err,
                    size_t errlen);
/* Reads a verified object of at most max bytes into memory (NUL-terminated). */
int snap_obj_read(struct snap_store *st, const unsigned char hash[SNAP_HASH_LEN], size_t max,
                  char **out, size_t *len, char *err, size_t errlen);
/* Makes every object written so far durable (one syncfs). */
int snap_store_sync(struct snap_store *st);
/* Writes a whole file in the store atomically: temp, fsync, rename, fsync dir. */
int snap_write_atomic(int dirfd, const char *name, const char *data, size_t len, char *err,
                      size_t errlen);
/* SHA-256 of a buffer. */
void snap_sha256(struct snap_store *st, const void *buf, size_t len,
                 unsigned char hash[SNAP_HASH_LEN]);

/* ---- excludes (gitignore subset) ----------------------------------------- */

struct snap_rule {
	char *pat;     /* without '!', trailing '/', leading '/' */
	bool negate;
	bool dir_only;
	bool anchored; /* contains a '/': matched against the path from base */
	bool literal;  /* no glob characters: a plain comparison */
	char *base;    /* directory (relative to root, "" = root) it applies in */
};

struct snap_rules {
	struct snap_rule *v;
	size_t n, cap;
};

/* Parses gitignore text (or one pattern per item) whose base is dir. */
void snap_rules_add_text(struct snap_rules *r, const char *dir, const char *text, size_t len);
void snap_rules_add(struct snap_rules *r, const char *dir, const char *pattern);
size_t snap_rules_mark(const struct snap_rules *r);
void snap_rules_truncate(struct snap_rules *r, size_t n);
void snap_rules_free(struct snap_rules *r);
/* Is path (relative to the root) excluded? Last matching rule wins. */
bool snap_rules_excluded(const struct snap_rules *r, const char *path, bool is_dir);
/* Glob with '*', '?', '[..]' within a segment and '**' across segments. */
bool snap_glob_match(const char *pat, const char *path);

/* ---- scan ---------------------------------------------------------------- */

struct snap_scan_opts {
	struct snap_store *st;
	bool store;                  /* write objects (checkpoint) or only hash */
	const struct snap_tree *index; /* stat-reuse source, may be NULL */
	/* .gitignore rules come from this tree's recorded .gitignore files
	 * instead of the disk (so later scans judge by the recorded rules) */
	const struct snap_tree *rules_from;
	const struct strlist *excludes;
	/* called after every entry with *progress updated; false stops the scan */
	snap_progress_fn progress_fn;
	void *progress_ctx;
	struct snap_progress *progress;
};

/* Walks root into t (t->root set by the caller). */
int snap_scan_tree(const struct snap_scan_opts *o, struct snap_tree *t, char *err,
                   size_t errlen);

/* ---- diff ---------------------------------------------------------------- */

bool snap_entry_same(const struct snap_entry *a, const struct snap_entry *b);
/* Changes from a to b (same root), limited to filter (absolute; may be NULL). */
void snap_tree_diff(const struct snap_tree *a, const struct snap_tree *b,
                    const struct strlist *filter, struct snap_changes *out);
bool snap_path_selected(const char *abs, const struct strlist *filter);
/* Is abs equal to or below dir? */
bool snap_path_under(const char *abs, const char *dir);

struct snap_store *snap_session_store(struct snap_session *s);

/* ---- restore ------------------------------------------------------------- */

/* Restores every root of target (filter: absolute paths or NULL), using
 * index for cheap change detection. journal_dir is the session directory. */
int snap_restore_trees(struct snap_store *st, int session_dfd, const struct snap_manifest *target,
                       const struct snap_manifest *index, const struct strlist *filter,
                       size_t checkpoint, struct snap_restore_stats *stats, char *err,
                       size_t errlen);
/* Completes (cleans up after) an interrupted restore recorded in
 * session_dfd, if any. *had is set when there was one. */
int snap_restore_resume_cleanup(int session_dfd, bool *had, size_t *checkpoint,
                                struct strlist *filter, char *err, size_t errlen);

#endif
