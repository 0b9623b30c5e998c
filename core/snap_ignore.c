/* snap_ignore: which paths a snapshot leaves alone — the default excludes,
 * --snapshot-exclude patterns and .gitignore files, all in one gitignore-like
 * rule list. Supported: '#' comments, '\' escapes of a leading '#'/'!',
 * '!' negation (last match wins; nothing below an excluded directory is
 * looked at, as in git), trailing '/' for directories only, a leading or
 * inner '/' anchoring the pattern to the directory of its .gitignore (or to
 * the tracked root for flags), and '*', '?', '[...]' within a path segment
 * and '**' across segments. Not supported: trailing-space escapes and
 * $GIT_DIR/info/exclude or the global excludes file. */
#include "snapshot_internal.h"

#include <fnmatch.h>
#include <string.h>

#include "util.h"

const char *const snap_default_excludes[] = {
	".git", ".hg", ".svn", "node_modules", "__pycache__", ".venv",
	"target", "build", "dist", "out", NULL,
};

void snap_rules_add(struct snap_rules *r, const char *dir, const char *pattern)
{
	const char *p = pattern;
	bool negate = false;
	if (*p == '!') {
		negate = true;
		p++;
	} else if (*p == '\\' && (p[1] == '!' || p[1] == '#')) {
		p++;
	}
	cleanup_free char *pat = xstrdup(p);
	size_t len = strlen(pat);
	bool dir_only = false;
	while (len > 0 && pat[len - 1] == '/') {
		dir_only = true;
		pat[--len] = '\0';
	}
	char *body = pat;
	bool anchored = strchr(body, '/') != NULL;
	while (*body == '/')
		body++;
	if (!*body)
		return;
	if (r->n == r->cap) {
		r->cap = r->cap ? r->cap * 2 : 16;
		r->v = xrealloc(r->v, r->cap * sizeof *r->v);
	}
	r->v[r->n++] = (struct snap_rule){.pat = xstrdup(body),
	                                  .negate = negate,
	                                  .dir_only = dir_only,
	                                  .anchored = anchored,
	                                  .literal = !strpbrk(body, "*?[\\"),
	                                  .base = xstrdup(dir ? dir : "")};
}

void snap_rules_add_text(struct snap_rules *r, const char *dir, const char *text, size_t len)
{
	const char *end = text + len;
	while (text < end) {
		const char *nl = memchr(text, '\n', (size_t)(end - text));
		const char *le = nl ? nl : end;
		size_t n = (size_t)(le - text);
		if (n && text[n - 1] == '\r')
			n--;
		while (n && (text[n - 1] == ' ' || text[n - 1] == '\t'))
			n--;
		if (n && text[0] != '#' && !memchr(text, '\0', n)) {
			cleanup_free char *line = xmalloc(n + 1);
			memcpy(line, text, n);
			line[n] = '\0';
			snap_rules_add(r, dir, line);
		}
		text = nl ? nl + 1 : end;
	}
}

size_t snap_rules_mark(const struct snap_rules *r) { return r->n; }

void snap_rules_truncate(struct snap_rules *r, size_t n)
{
	while (r->n > n) {
		r->n--;
		free(r->v[r->n].pat);
		free(r->v[r->n].base);
	}
}

void snap_rules_free(struct snap_rules *r)
{
	snap_rules_truncate(r, 0);
	free(r->v);
	memset(r, 0, sizeof *r);
}

/* Matches segment by segment; "**" spans any number of segments. */
static bool match_segs(const char *pat, const char *path)
{
	for (;;) {
		const char *ps = strchr(pat, '/');
		size_t plen = ps ? (size_t)(ps - pat) : strlen(pat);
		if (plen == 2 && pat[0] == '*' && pat[1] == '*') {
			if (!ps)
				return true; /* trailing "**": everything below */
			const char *rest = ps + 1;
			for (const char *p = path;;) {
				if (match_segs(rest, p))
					return true;
				const char *sl = strchr(p, '/');
				if (!sl)
					return false;
				p = sl + 1;
			}
		}
		const char *ss = strchr(path, '/');
		size_t slen = ss ? (size_t)(ss - path) : strlen(path);
		char pseg[256], sseg[256];
		if (plen >= sizeof pseg || slen >= sizeof sseg)
			return false;
		memcpy(pseg, pat, plen);
		pseg[plen] = '\0';
		memcpy(sseg, path, slen);
		sseg[slen] = '\0';
		if (fnmatch(pseg, sseg, 0) != 0)
			return false;
		if (!ps || !ss)
			return !ps && !ss;
		pat = ps + 1;
		path = ss + 1;
	}
}

bool snap_glob_match(const char *pat, const char *path) { return match_segs(pat, path); }

/* path relative to base, or NULL when path is not below base. */
static const char *below(const char *path, const char *base)
{
	if (!*base)
		return path;
	size_t n = strlen(base);
	if (strncmp(path, base, n) == 0 && path[n] == '/')
		return path + n + 1;
	return NULL;
}

bool snap_rules_excluded(const struct snap_rules *r, const char *path, bool is_dir)
{
	for (size_t i = r->n; i-- > 0;) {
		const struct snap_rule *ru = &r->v[i];
		if (ru->dir_only && !is_dir)
			continue;
		const char *rel = below(path, ru->base);
		if (!rel)
			continue;
		bool m;
		if (ru->anchored) {
			m = match_segs(ru->pat, rel);
		} else {
			const char *slash = strrchr(rel, '/');
			const char *name = slash ? slash + 1 : rel;
			m = ru->literal ? strcmp(ru->pat, name) == 0 : fnmatch(ru->pat, name, 0) == 0;
		}
		if (m)
			return !ru->negate;
	}
	return false;
}
