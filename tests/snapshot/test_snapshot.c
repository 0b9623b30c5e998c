/* Unit tests for the snapshot core (core/snap_*.c): exclude rules and globs,
 * the object store (dedup, compression, verification, corruption), manifest
 * JSON round trips, scans with index reuse, diffs and unified diffs, and
 * sessions restored over real temporary trees (type changes, modes, subsets,
 * symlinks planted to escape). Trees live under /var/tmp. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "event.h"
#include "snapshot_internal.h"
#include "util.h"

static char base[256];
static char tree[300], store_dir[300];
static char err[1024];

static void sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void sh(const char *fmt, ...)
{
	char cmd[4096];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(cmd, sizeof cmd, fmt, ap);
	va_end(ap);
	int r = system(cmd);
	if (r != 0)
		fail_msg("command failed (%d): %s", r, cmd);
}

static char *get(const char *rel)
{
	char p[600];
	char *out = NULL;
	snprintf(p, sizeof p, "%s/%s", tree, rel);
	if (read_file(p, 1 << 20, &out, NULL) < 0)
		return NULL;
	return out;
}

/* A full listing: path, type, mode, and content (files) or target (links). */
static char *listing(void)
{
	char cmd[700];
	snprintf(cmd, sizeof cmd,
	         "cd %s && find . -mindepth 1 -printf '%%p %%y %%m %%l\\n' | sort && "
	         "find . -type f -print0 | sort -z | xargs -0 -r sha256sum",
	         tree);
	FILE *p = popen(cmd, "r");
	assert_non_null(p);
	size_t cap = 1 << 16, len = 0;
	char *buf = xmalloc(cap);
	size_t n;
	while ((n = fread(buf + len, 1, cap - len - 1, p)) > 0) {
		len += n;
		if (len + 1 == cap)
			buf = xrealloc(buf, cap *= 2);
	}
	buf[len] = '\0';
	pclose(p);
	return buf;
}

static int setup(void **state)
{
	(void)state;
	snprintf(base, sizeof base, "/var/tmp/gbsnap-unit.XXXXXX");
	assert_non_null(mkdtemp(base));
	snprintf(tree, sizeof tree, "%s/tree", base);
	snprintf(store_dir, sizeof store_dir, "%s/store", base);
	mkdir(tree, 0755);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	sh("chmod -R u+rwX %s 2>/dev/null; rm -rf %s", base, base);
	return 0;
}

/* ---- rules ---------------------------------------------------------------- */

static void test_globs(void **state)
{
	(void)state;
	assert_true(snap_glob_match("a/*.c", "a/x.c"));
	assert_false(snap_glob_match("a/*.c", "a/b/x.c"));
	assert_true(snap_glob_match("**/x.c", "x.c"));
	assert_true(snap_glob_match("**/x.c", "a/b/x.c"));
	assert_true(snap_glob_match("a/**", "a/b/c"));
	assert_true(snap_glob_match("a/**/c", "a/c"));
	assert_true(snap_glob_match("a/**/c", "a/b/b/c"));
	assert_false(snap_glob_match("a/**/c", "a/b/d"));
	assert_true(snap_glob_match("d?t/[ab]", "dat/b"));
}

static void test_rules(void **state)
{
	(void)state;
	struct snap_rules r = {0};
	const char text[] = "# comment\n*.log\n!keep.log\n/only-root\nbuild/\ndocs/*.tmp\n"
	                    "\\#hash\n  \n**/deep/x\r\n";
	snap_rules_add_text(&r, "", text, sizeof text - 1);
	assert_true(snap_rules_excluded(&r, "a.log", false));
	assert_true(snap_rules_excluded(&r, "sub/dir/b.log", false));
	assert_false(snap_rules_excluded(&r, "sub/keep.log", false)); /* negation */
	assert_true(snap_rules_excluded(&r, "only-root", false));
	assert_false(snap_rules_excluded(&r, "sub/only-root", false)); /* anchored */
	assert_true(snap_rules_excluded(&r, "x/build", true));
	assert_false(snap_rules_excluded(&r, "x/build", false)); /* dir only */
	assert_true(snap_rules_excluded(&r, "docs/a.tmp", false));
	assert_false(snap_rules_excluded(&r, "x/docs/a.tmp", false));
	assert_true(snap_rules_excluded(&r, "#hash", false));
	assert_true(snap_rules_excluded(&r, "a/b/deep/x", false));
	assert_false(snap_rules_excluded(&r, "plain.txt", false));

	/* a nested .gitignore applies below its directory only */
	size_t mark = snap_rules_mark(&r);
	snap_rules_add_text(&r, "pkg", "*.txt\n/top\n", 11);
	assert_true(snap_rules_excluded(&r, "pkg/a.txt", false));
	assert_true(snap_rules_excluded(&r, "pkg/top", false));
	assert_false(snap_rules_excluded(&r, "pkg/x/top", false));
	assert_false(snap_rules_excluded(&r, "a.txt", false));
	snap_rules_truncate(&r, mark);
	assert_false(snap_rules_excluded(&r, "pkg/a.txt", false));
	snap_rules_free(&r);
}

/* ---- store ---------------------------------------------------------------- */

static void test_store_roundtrip_and_corruption(void **state)
{
	(void)state;
	struct snap_store *st;
	assert_int_equal(snap_store_open(store_dir, true, &st, err, sizeof err), 0);
	char *big = xmalloc(100000);
	for (int i = 0; i < 100000; i++)
		big[i] = "abcdefgh\n"[i % 9]; /* compressible */
	unsigned char h1[32], h2[32];
	assert_int_equal(snap_obj_put_mem(st, big, 100000, h1, err, sizeof err), 0);
	assert_int_equal(snap_obj_put_mem(st, big, 100000, h2, err, sizeof err), 0);
	assert_memory_equal(h1, h2, 32);
	assert_true(snap_obj_exists(st, h1));

	/* compressed: the object is much smaller than the content */
	char hex[65], p[700];
	snap_hex(h1, hex);
	snprintf(p, sizeof p, "%s/objects/%.2s/%s", store_dir, hex, hex + 2);
	struct stat sb;
	assert_int_equal(stat(p, &sb), 0);
	assert_true(sb.st_size < 10000);

	char *out;
	size_t len;
	assert_int_equal(snap_obj_read(st, h1, 1 << 20, &out, &len, err, sizeof err), 0);
	assert_int_equal(len, 100000);
	assert_memory_equal(out, big, len);
	free(out);

	/* flip one byte of the stored object: every read notices */
	int fd = open(p, O_RDWR);
	assert_true(fd >= 0);
	char c;
	assert_int_equal(pread(fd, &c, 1, sb.st_size - 3), 1);
	c ^= 0x55;
	assert_int_equal(pwrite(fd, &c, 1, sb.st_size - 3), 1);
	close(fd);
	assert_true(snap_obj_read(st, h1, 1 << 20, &out, &len, err, sizeof err) < 0);
	assert_non_null(strstr(err, "snapshot store is corrupted"));
	assert_null(strchr(err, '\n'));

	/* a raw (incompressible-size) object with its content swapped */
	unsigned char h3[32];
	assert_int_equal(snap_obj_put_mem(st, "tiny", 4, h3, err, sizeof err), 0);
	snap_hex(h3, hex);
	snprintf(p, sizeof p, "%s/objects/%.2s/%s", store_dir, hex, hex + 2);
	fd = open(p, O_WRONLY);
	assert_int_equal(pwrite(fd, "tinY", 4, 16), 4);
	close(fd);
	err[0] = '\0';
	assert_true(snap_obj_read(st, h3, 100, &out, &len, err, sizeof err) < 0);
	assert_non_null(strstr(err, "does not match its hash"));

	/* missing */
	unlink(p);
	assert_true(snap_obj_read(st, h3, 100, &out, &len, err, sizeof err) < 0);
	assert_non_null(strstr(err, "is missing"));
	free(big);
	snap_store_close(st);
}

static void test_store_large_stream(void **state)
{
	(void)state;
	/* 6 MB (streamed): half random, half zeros */
	sh("head -c 3000000 /dev/urandom > %s/big && head -c 3000000 /dev/zero >> %s/big", tree,
	   tree);
	struct snap_store *st;
	assert_int_equal(snap_store_open(store_dir, true, &st, err, sizeof err), 0);
	char p[600];
	snprintf(p, sizeof p, "%s/big", tree);
	int fd = open(p, O_RDONLY);
	unsigned char h[32];
	uint64_t size = 0;
	assert_int_equal(snap_obj_put_fd(st, fd, true, h, &size, err, sizeof err), 0);
	close(fd);
	assert_int_equal(size, 6000000);
	snprintf(p, sizeof p, "%s/copy", tree);
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_int_equal(snap_obj_to_fd(st, h, fd, err, sizeof err), 0);
	close(fd);
	sh("cmp -s %s/big %s/copy", tree, tree);
	snap_store_close(st);
}

/* ---- manifest ------------------------------------------------------------- */

static void test_manifest_json(void **state)
{
	(void)state;
	struct snap_manifest m = {.name = xstrdup("start"), .time_ns = 1764100000123456789ull};
	strlist_push(&m.excludes, "*.o");
	m.trees = xcalloc(1, sizeof *m.trees);
	m.n_trees = 1;
	m.trees[0].root = xstrdup("/r");
	m.trees[0].mode = 0755;
	struct snap_entry *e = snap_tree_push(&m.trees[0]);
	e->path = xstrdup("f");
	e->type = 'f';
	e->mode = 04755;
	e->size = 3;
	memset(e->hash, 0xab, 32);
	e->has_stat = true;
	e->mtime_ns = 1764100000123456789LL;
	e->ctime_ns = 1764100000999999999LL;
	e->ino = 1ull << 60;
	e = snap_tree_push(&m.trees[0]);
	e->path = xstrdup("l");
	e->type = 'l';
	e->mode = 0777;
	e->target = xstrdup("../x");
	e->size = 4;
	char *j = snap_manifest_to_json(&m);
	struct snap_manifest back;
	assert_int_equal(snap_manifest_from_json(j, &back, err, sizeof err), 0);
	free(j);
	assert_string_equal(back.name, "start");
	assert_true(back.time_ns == m.time_ns);
	assert_int_equal(back.trees[0].n, 2);
	const struct snap_entry *f = snap_tree_find(&back.trees[0], "f");
	assert_non_null(f);
	assert_true(f->has_stat);
	assert_true(f->mtime_ns == 1764100000123456789LL); /* exact: not a double */
	assert_true(f->ino == 1ull << 60);
	assert_int_equal(f->mode, 04755);
	assert_true(snap_entry_same(f, &m.trees[0].v[0]));
	assert_string_equal(snap_tree_find(&back.trees[0], "l")->target, "../x");
	snap_manifest_free(&back);
	snap_manifest_free(&m);

	/* damaged manifests are refused, including paths that climb */
	assert_true(snap_manifest_from_json("{", &back, err, sizeof err) < 0);
	assert_true(snap_manifest_from_json(
	                    "{\"format\":\"glassbox-snapshot\",\"roots\":[{\"path\":\"/r\","
	                    "\"entries\":[{\"p\":\"../etc/passwd\",\"t\":\"d\",\"m\":493}]}]}",
	                    &back, err, sizeof err) < 0);
	assert_non_null(strstr(err, "corrupted"));
}

/* ---- sessions ----------------------------------------------------------- */

static struct snap_store *st;
static struct snap_session *ss;

static void start_session(const char *id, const char *const *excludes)
{
	struct strlist roots = {0}, ex = {0}, cmd = {0};
	strlist_push(&roots, tree);
	for (size_t i = 0; excludes && excludes[i]; i++)
		strlist_push(&ex, excludes[i]);
	strlist_push(&cmd, "test");
	assert_int_equal(snap_store_open(store_dir, true, &st, err, sizeof err), 0);
	struct snap_session_spec spec = {
	        .id = id, .cwd = tree, .roots = &roots, .excludes = &ex, .command = &cmd};
	if (snap_session_create(st, &spec, &ss, err, sizeof err) < 0)
		fail_msg("create: %s", err);
	strlist_clear(&roots);
	strlist_clear(&ex);
	strlist_clear(&cmd);
}

static void end_session(void)
{
	snap_session_close(ss);
	snap_store_close(st);
	ss = NULL;
	st = NULL;
}

static void populate(void)
{
	sh("cd %s && mkdir -p src/deep empty ro && echo one > src/a.c && echo two > src/deep/b.c "
	   "&& printf 'x\\0y' > bin && ln -s src/a.c link && ln -s /etc/passwd abs-link && "
	   "echo ex > ex.tmp && mkdir -p node_modules/p && echo n > node_modules/p/i.js && "
	   "printf '*.log\\n' > .gitignore && echo l > a.log && echo r > ro/f && chmod 0555 ro && "
	   "chmod 0640 src/a.c",
	   tree);
}

static void test_session_restore_everything(void **state)
{
	(void)state;
	populate();
	char *before = listing();
	start_session("s1", (const char *const[]){"*.tmp", NULL});
	/* every kind of change, including type swaps */
	sh("cd %s && chmod u+w ro && echo changed > src/a.c && rm -r src/deep && mkdir newdir && "
	   "echo n > newdir/x && rm link && mkdir link && echo in > link/f && rm bin && "
	   "ln -s /etc bin && rmdir empty && echo file > empty && chmod 0600 src/a.c && "
	   "echo ex2 > ex.tmp && echo n2 > node_modules/p/i.js && echo l2 > a.log && "
	   "echo new > ro/g && chmod 0555 ro && echo '*.c' >> .gitignore && cp /bin/true suid && "
	   "chmod 4755 suid",
	   tree);

	struct snap_changes c;
	assert_int_equal(snap_diff(ss, 0, SNAP_NOW, NULL, &c, err, sizeof err), 0);
	/* the .gitignore edit does not hide the .c changes: rules are checkpoint 0's */
	bool saw_ac = false, saw_ex = false, saw_log = false;
	for (size_t i = 0; i < c.n; i++) {
		saw_ac |= strstr(c.v[i].path, "src/a.c") != NULL;
		saw_ex |= strstr(c.v[i].path, "ex.tmp") || strstr(c.v[i].path, "node_modules");
		saw_log |= strstr(c.v[i].path, "a.log") != NULL;
	}
	assert_true(saw_ac);
	assert_false(saw_ex);
	assert_false(saw_log);
	snap_changes_free(&c);

	size_t n;
	assert_int_equal(snap_checkpoint(ss, "end", &n, err, sizeof err), 0);
	assert_int_equal(n, 1);
	struct snap_restore_stats rs;
	if (snap_restore(ss, 0, NULL, &rs, err, sizeof err) < 0)
		fail_msg("restore: %s", err);
	/* excluded paths were neither recorded nor touched */
	char *ex = get("ex.tmp"), *nm = get("node_modules/p/i.js"), *lg = get("a.log");
	assert_string_equal(ex, "ex2\n");
	assert_string_equal(nm, "n2\n");
	assert_string_equal(lg, "l2\n");
	free(ex);
	free(nm);
	free(lg);
	sh("cd %s && echo ex > ex.tmp && echo n > node_modules/p/i.js && echo l > a.log", tree);
	char *after = listing();
	assert_string_equal(before, after);
	free(before);
	free(after);

	/* diff of the recorded checkpoints still shows what the command did */
	assert_int_equal(snap_diff(ss, 0, 1, NULL, &c, err, sizeof err), 0);
	assert_true(c.added > 0 && c.modified > 0 && c.deleted > 0);
	snap_changes_free(&c);
	/* and now nothing differs from checkpoint 0 */
	assert_int_equal(snap_diff(ss, 0, SNAP_NOW, NULL, &c, err, sizeof err), 0);
	assert_int_equal(c.n, 0);
	snap_changes_free(&c);
	end_session();
}

static void test_restore_drops_setuid(void **state)
{
	(void)state;
	sh("cd %s && cp /bin/true s && chmod 6755 s", tree);
	start_session("s2", NULL);
	sh("rm %s/s", tree);
	struct snap_restore_stats rs;
	assert_int_equal(snap_restore(ss, 0, NULL, &rs, err, sizeof err), 0);
	struct stat sb;
	char p[600];
	snprintf(p, sizeof p, "%s/s", tree);
	assert_int_equal(lstat(p, &sb), 0);
	assert_int_equal(sb.st_mode & 07777, 0755);
	end_session();
}

/* A restore killed after its last rename but before removing its journal
 * leaves work that is already done: the next restore finds nothing to change
 * and must still clear the journal, or the session stays "pending". */
static void test_done_journal_is_cleared(void **state)
{
	(void)state;
	start_session("s3", NULL);
	char j[700];
	snprintf(j, sizeof j, "%s/sessions/s3/restore.journal", store_dir);
	FILE *f = fopen(j, "w");
	assert_non_null(f);
	fprintf(f, "{\"nonce\":\"000000000000\",\"checkpoint\":0,\"paths\":[],"
	           "\"roots\":[{\"path\":\"%s\",\"steps\":[]}]}", tree);
	fclose(f);
	struct snap_restore_stats rs;
	assert_int_equal(snap_restore(ss, 0, NULL, &rs, err, sizeof err), 0);
	assert_int_equal(access(j, F_OK), -1);
	end_session();
}

static void test_restore_subset_and_checkpoints(void **state)
{
	(void)state;
	sh("cd %s && mkdir -p a/b c && echo 1 > a/b/f && echo 1 > c/g", tree);
	start_session("s3", NULL);
	sh("cd %s && echo 2 > a/b/f && echo 2 > c/g", tree);
	size_t n1;
	assert_int_equal(snap_checkpoint(ss, "two", &n1, err, sizeof err), 0);
	sh("cd %s && rm -r a && echo 3 > c/g", tree);

	/* only a/b/f back to checkpoint 0: its parents are recreated */
	struct strlist only = {0};
	char p[600];
	snprintf(p, sizeof p, "%s/a/b/f", tree);
	strlist_push(&only, p);
	struct snap_restore_stats rs;
	assert_int_equal(snap_restore(ss, 0, &only, &rs, err, sizeof err), 0);
	char *f = get("a/b/f"), *g = get("c/g");
	assert_string_equal(f, "1\n");
	assert_string_equal(g, "3\n"); /* untouched */
	free(f);
	free(g);
	strlist_clear(&only);

	/* the named checkpoint */
	assert_string_equal(snap_session_checkpoint_name(ss, 1), "two");
	assert_int_equal(snap_restore(ss, 1, NULL, &rs, err, sizeof err), 0);
	f = get("a/b/f");
	g = get("c/g");
	assert_string_equal(f, "2\n");
	assert_string_equal(g, "2\n");
	free(f);
	free(g);

	/* diff between checkpoints, filtered */
	struct snap_changes c;
	strlist_push(&only, p);
	assert_int_equal(snap_diff(ss, 0, 1, &only, &c, err, sizeof err), 0);
	assert_int_equal(c.n, 1);
	assert_int_equal(c.v[0].kind, 'M');
	assert_true(c.v[0].size_delta == 0);
	strlist_clear(&only);

	/* unified diff */
	char *buf = NULL;
	size_t blen = 0;
	FILE *out = open_memstream(&buf, &blen);
	assert_int_equal(snap_change_patch(ss, &c.v[0], tree, out, err, sizeof err), 0);
	fclose(out);
	assert_non_null(strstr(buf, "--- a/a/b/f\n+++ b/a/b/f\n@@ -1,1 +1,1 @@\n-1\n+2\n"));
	free(buf);
	snap_changes_free(&c);
	end_session();
}

/* A symlink planted where a directory was must not carry the restore out. */
static void test_restore_refuses_planted_symlinks(void **state)
{
	(void)state;
	char outside[400];
	snprintf(outside, sizeof outside, "%s/outside", base);
	mkdir(outside, 0755);
	sh("cd %s && mkdir -p d/e && echo secret-keep > d/e/f", tree);
	start_session("s4", NULL);
	/* replace d by a symlink to a directory outside the tree, with a file
	 * where d/e/f would land */
	sh("cd %s && rm -r d && ln -s %s d && mkdir -p %s/e && echo outside > %s/e/f", tree,
	   outside, outside, outside);
	struct snap_restore_stats rs;
	assert_int_equal(snap_restore(ss, 0, NULL, &rs, err, sizeof err), 0);
	char p[600], *o = NULL;
	snprintf(p, sizeof p, "%s/e/f", outside);
	assert_int_equal(read_file(p, 100, &o, NULL), 0);
	assert_string_equal(o, "outside\n"); /* not written through the link */
	free(o);
	struct stat sb;
	snprintf(p, sizeof p, "%s/d", tree);
	assert_int_equal(lstat(p, &sb), 0);
	assert_true(S_ISDIR(sb.st_mode)); /* the link itself was replaced */
	char *f = get("d/e/f");
	assert_string_equal(f, "secret-keep\n");
	free(f);

	/* a symlinked tracked root is refused outright */
	char moved[400];
	snprintf(moved, sizeof moved, "%s/moved", base);
	sh("mv %s %s && ln -s %s %s", tree, moved, outside, tree);
	err[0] = '\0';
	assert_true(snap_restore(ss, 0, NULL, &rs, err, sizeof err) < 0);
	assert_non_null(strstr(err, "cannot restore"));
	sh("rm %s && mv %s %s", tree, moved, tree);
	end_session();
}

static void test_index_reuse(void **state)
{
	(void)state;
	sh("cd %s && echo a > a && echo b > b", tree);
	sleep(1); /* out of the racy window */
	start_session("s5", NULL);
	/* rewrite a's content without changing size or mtime: the index
	 * (size, mtime, ctime, ino) still notices through ctime */
	sh("cd %s && touch -r a a.ref && echo c > a && touch -r a.ref a && rm a.ref", tree);
	struct snap_changes c;
	assert_int_equal(snap_diff(ss, 0, SNAP_NOW, NULL, &c, err, sizeof err), 0);
	assert_int_equal(c.n, 1);
	assert_string_equal(strrchr(c.v[0].path, '/'), "/a");
	snap_changes_free(&c);
	end_session();
}

static int events_seen;
static void count_sink(const struct event *ev, void *arg)
{
	(void)arg;
	if (ev->kind == EV_CHANGE) {
		cJSON *j = event_to_json(ev);
		assert_non_null(cJSON_GetObjectItem(j, "path"));
		assert_non_null(cJSON_GetObjectItem(j, "change"));
		assert_non_null(cJSON_GetObjectItem(j, "size_delta"));
		cJSON_Delete(j);
		events_seen++;
	}
}

static void test_change_events_and_ids(void **state)
{
	(void)state;
	assert_true(snap_id_valid("a1b2c3"));
	assert_false(snap_id_valid(".."));
	assert_false(snap_id_valid("a/b"));
	assert_false(snap_id_valid("a..b"));
	assert_false(snap_id_valid(""));
	start_session("s6", NULL);
	sh("cd %s && echo 1 > x && mkdir y", tree);
	struct snap_changes c;
	assert_int_equal(snap_diff(ss, 0, SNAP_NOW, NULL, &c, err, sizeof err), 0);
	event_add_sink(count_sink, NULL);
	snap_changes_emit(&c);
	event_clear_sinks();
	assert_int_equal(events_seen, 2);
	snap_changes_free(&c);
	struct snap_session *s2;
	bool nf;
	assert_true(snap_session_open(st, "nope", &s2, &nf, err, sizeof err) < 0);
	assert_true(nf);
	assert_true(snap_session_open(st, "../x", &s2, &nf, err, sizeof err) < 0);
	assert_true(nf);
	size_t k;
	assert_int_equal(snap_checkpoint(ss, NULL, &k, err, sizeof err), 0);
	assert_string_equal(snap_session_checkpoint_name(ss, k), "cp1");
	end_session();

	/* list and clean */
	assert_int_equal(snap_store_open(store_dir, false, &st, err, sizeof err), 0);
	struct snap_info *v;
	size_t n;
	assert_int_equal(snap_list(st, &v, &n, err, sizeof err), 0);
	assert_int_equal(n, 1);
	assert_string_equal(v[0].command, "test");
	snap_info_free(v, n);
	struct snap_clean_stats cs;
	assert_int_equal(snap_clean(st, 1, &cs, err, sizeof err), 0);
	assert_int_equal(cs.sessions, 0); /* younger than a day */
	assert_int_equal(snap_clean(st, -1, &cs, err, sizeof err), 0);
	assert_int_equal(cs.sessions, 1);
	assert_true(cs.objects > 0);
	snap_store_close(st);
	st = NULL;
}

/* Checkpoint 0's progress: counts every file and its bytes; a callback that
 * says stop makes the recording fail and leaves no session behind. */
struct progress_seen {
	uint64_t calls, files, bytes;
	uint64_t stop_after; /* 0: never */
	char root[300];
};

static bool on_progress(const struct snap_progress *p, void *ctx)
{
	struct progress_seen *s = ctx;
	assert_true(p->files >= s->files); /* never goes back */
	s->calls++;
	s->files = p->files;
	s->bytes = p->bytes;
	snprintf(s->root, sizeof s->root, "%s", p->root);
	return !(s->stop_after && p->files >= s->stop_after);
}

static void test_checkpoint_progress_and_stop(void **state)
{
	(void)state;
	sh("cd %s && mkdir -p d1 d2 && for i in 1 2 3 4 5 6 7 8 9 10; do "
	   "head -c 1000 /dev/zero > d1/f$i; printf %%05d $i > d2/g$i; done && ln -s d1 l",
	   tree);
	struct strlist roots = {0};
	strlist_push(&roots, tree);
	assert_int_equal(snap_store_open(store_dir, true, &st, err, sizeof err), 0);

	struct progress_seen seen = {0};
	struct snap_session_spec spec = {.id = "progress", .cwd = tree, .roots = &roots,
	                                 .progress = on_progress, .progress_ctx = &seen};
	if (snap_session_create(st, &spec, &ss, err, sizeof err) < 0)
		fail_msg("create: %s", err);
	assert_int_equal(seen.files, 20);
	assert_int_equal(seen.bytes, 10 * 1000 + 10 * 5);
	assert_true(seen.calls >= 23); /* 20 files, 2 directories, 1 symlink */
	assert_string_equal(seen.root, tree);
	snap_session_close(ss);
	ss = NULL;

	struct progress_seen stop = {.stop_after = 5};
	spec.id = "stopped";
	spec.progress_ctx = &stop;
	assert_int_equal(snap_session_create(st, &spec, &ss, err, sizeof err), -1);
	assert_non_null(strstr(err, "interrupted"));
	assert_int_equal(stop.files, 5);
	char path[700];
	struct stat sb;
	snprintf(path, sizeof path, "%s/sessions/stopped", store_dir);
	assert_int_equal(lstat(path, &sb), -1); /* nothing half-recorded */
	snprintf(path, sizeof path, "%s/sessions/progress/session.json", store_dir);
	assert_int_equal(lstat(path, &sb), 0);
	struct snap_info *infos = NULL;
	size_t n = 0;
	assert_int_equal(snap_list(st, &infos, &n, err, sizeof err), 0);
	assert_int_equal(n, 1);
	snap_info_free(infos, n);
	snap_store_close(st);
	st = NULL;
	strlist_clear(&roots);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_globs),
		cmocka_unit_test(test_rules),
		cmocka_unit_test_setup_teardown(test_store_roundtrip_and_corruption, setup, teardown),
		cmocka_unit_test_setup_teardown(test_store_large_stream, setup, teardown),
		cmocka_unit_test(test_manifest_json),
		cmocka_unit_test_setup_teardown(test_session_restore_everything, setup, teardown),
		cmocka_unit_test_setup_teardown(test_restore_drops_setuid, setup, teardown),
		cmocka_unit_test_setup_teardown(test_done_journal_is_cleared, setup, teardown),
		cmocka_unit_test_setup_teardown(test_restore_subset_and_checkpoints, setup, teardown),
		cmocka_unit_test_setup_teardown(test_restore_refuses_planted_symlinks, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_index_reuse, setup, teardown),
		cmocka_unit_test_setup_teardown(test_change_events_and_ids, setup, teardown),
		cmocka_unit_test_setup_teardown(test_checkpoint_progress_and_stop, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
