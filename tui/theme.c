/* theme: role names, the theme file parser and the loader (no curses).
 * Text comes in from a file, a name or a built-in copy; theme_parse() checks
 * every line and fills a struct theme in which every role is set; the first
 * problem ends parsing with one "FILE:LINE: problem" line for the user.
 * tui/theme_curses.c turns the result into curses attributes. */
#include "theme.h"

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sanitize.h"
#include "strlist.h"
#include "theme_builtin.h"
#include "util.h"

#define THEME_FILE_MAX (64 * 1024)
#define THEME_LINE_MAX 512

static const char *const role_names[ROLE__COUNT] = {
	[ROLE_TEXT] = "text",
	[ROLE_MUTED] = "muted",
	[ROLE_BORDER] = "border",
	[ROLE_BORDER_FOCUS] = "border-focus",
	[ROLE_TITLE] = "title",
	[ROLE_TITLE_FOCUS] = "title-focus",
	[ROLE_STATUS] = "status",
	[ROLE_FKEY_NUM] = "fkey-num",
	[ROLE_FKEY_LABEL] = "fkey-label",
	[ROLE_SELECTED] = "selected",
	[ROLE_TAB] = "tab",
	[ROLE_TAB_ACTIVE] = "tab-active",
	[ROLE_ALLOW] = "allow",
	[ROLE_DENY] = "deny",
	[ROLE_WARN] = "warn",
	[ROLE_ADDED] = "added",
	[ROLE_MODIFIED] = "modified",
	[ROLE_DELETED] = "deleted",
	[ROLE_DIFF_ADD] = "diff-add",
	[ROLE_DIFF_DEL] = "diff-del",
	[ROLE_DIFF_HUNK] = "diff-hunk",
	[ROLE_DIALOG] = "dialog",
	[ROLE_DIALOG_BORDER] = "dialog-border",
	[ROLE_INPUT] = "input",
	[ROLE_ASK] = "ask",
};

static const char *const colour_names[16] = {
	"black", "red", "green", "yellow", "blue", "magenta", "cyan", "white",
	"brightblack", "brightred", "brightgreen", "brightyellow",
	"brightblue", "brightmagenta", "brightcyan", "brightwhite",
};

const char *theme_role_name(enum theme_role r)
{
	return (int)r >= 0 && r < ROLE__COUNT ? role_names[r] : NULL;
}

int theme_role_from_name(const char *name)
{
	for (int i = 0; i < ROLE__COUNT; i++)
		if (strcmp(role_names[i], name) == 0)
			return i;
	return -1;
}

/* ---- parser ---- */

struct parser {
	const char *filename;
	int line;
	char *err;
	size_t errlen;
};

/* A word from the file as it may appear in a message: sanitised, shortened. */
static const char *shown(const char *word, char *buf, size_t len)
{
	cleanup_free char *safe = sanitize_str(word);
	if (strlen(safe) > 40)
		snprintf(buf, len, "%.40s...", safe);
	else
		snprintf(buf, len, "%s", safe);
	return buf;
}

#define SHOWN(word) shown((word), (char[64]){ 0 }, 64)

/* One "FILE:LINE: problem" line into the caller's buffer; returns -1. */
__attribute__((format(printf, 2, 3)))
static int parse_error(const struct parser *p, const char *fmt, ...)
{
	char msg[384];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	cleanup_free char *file = sanitize_str(p->filename);
	return error_set(p->err, p->errlen, "%s:%d: %s", file, p->line, msg);
}

static bool parse_colour16(const char *word, short *out)
{
	if (strcmp(word, "default") == 0) {
		*out = -1;
		return true;
	}
	for (int i = 0; i < 16; i++)
		if (strcmp(word, colour_names[i]) == 0) {
			*out = (short)i;
			return true;
		}
	return false;
}

static bool parse_colour256(const char *word, short *out)
{
	if (strcmp(word, "-") == 0) {
		*out = THEME_NONE;
		return true;
	}
	if (strcmp(word, "default") == 0) {
		*out = THEME_DEFAULT;
		return true;
	}
	if (word[0] < '0' || word[0] > '9' || strlen(word) > 3)
		return false;
	char *end;
	long v = strtol(word, &end, 10);
	if (*end || v > 255)
		return false;
	*out = (short)v;
	return true;
}

static bool parse_colour_rgb(const char *word, int32_t *out)
{
	if (strcmp(word, "-") == 0) {
		*out = THEME_NONE;
		return true;
	}
	if (strcmp(word, "default") == 0) {
		*out = THEME_DEFAULT;
		return true;
	}
	if (word[0] != '#' || strlen(word) != 7 || strspn(word + 1, "0123456789abcdefABCDEF") != 6)
		return false;
	*out = (int32_t)strtol(word + 1, NULL, 16);
	return true;
}

#define COLOUR_HELP "(expected black, red, green, yellow, blue, magenta, cyan, white, bright<colour> or default)"

/* The words after "ROLE =": FG BG [bold] [underline] [reverse] [256: FG BG] [rgb: FG BG]. */
static int parse_style(const struct parser *p, char **w, int n, struct theme_style *s)
{
	*s = (struct theme_style){ .fg256 = THEME_NONE, .bg256 = THEME_NONE,
	                           .fg_rgb = THEME_NONE, .bg_rgb = THEME_NONE };
	if (n < 2)
		return parse_error(p, "expected a foreground and a background colour after '='");
	if (!parse_colour16(w[0], &s->fg16))
		return parse_error(p, "unknown colour '%s' " COLOUR_HELP, SHOWN(w[0]));
	if (!parse_colour16(w[1], &s->bg16))
		return parse_error(p, "unknown colour '%s' " COLOUR_HELP, SHOWN(w[1]));
	bool seen256 = false, seen_rgb = false;
	for (int i = 2; i < n; i++) {
		if (strcmp(w[i], "bold") == 0) {
			s->attrs |= THEME_BOLD;
		} else if (strcmp(w[i], "underline") == 0) {
			s->attrs |= THEME_UNDERLINE;
		} else if (strcmp(w[i], "reverse") == 0) {
			s->attrs |= THEME_REVERSE;
		} else if (strcmp(w[i], "256:") == 0) {
			if (seen256)
				return parse_error(p, "'256:' given twice");
			seen256 = true;
			if (i + 2 >= n)
				return parse_error(p, "'256:' needs two colours (0..255, default or -)");
			for (int k = 1; k <= 2; k++)
				if (!parse_colour256(w[i + k], k == 1 ? &s->fg256 : &s->bg256))
					return parse_error(p, "bad 256-colour index '%s' (expected 0..255, default or -)",
					                   SHOWN(w[i + k]));
			i += 2;
		} else if (strcmp(w[i], "rgb:") == 0) {
			if (seen_rgb)
				return parse_error(p, "'rgb:' given twice");
			seen_rgb = true;
			if (i + 2 >= n)
				return parse_error(p, "'rgb:' needs two colours (#RRGGBB, default or -)");
			for (int k = 1; k <= 2; k++)
				if (!parse_colour_rgb(w[i + k], k == 1 ? &s->fg_rgb : &s->bg_rgb))
					return parse_error(p, "bad RGB colour '%s' (expected #RRGGBB, default or -)",
					                   SHOWN(w[i + k]));
			i += 2;
		} else if (strcmp(w[i], "dim") == 0 || strcmp(w[i], "blink") == 0 ||
		           strcmp(w[i], "italic") == 0) {
			return parse_error(p, "attribute '%s' is not supported (many terminals do not show it; "
			                      "use bold, underline or reverse)", SHOWN(w[i]));
		} else {
			return parse_error(p, "unexpected '%s' (expected bold, underline, reverse, '256: FG BG' "
			                      "or 'rgb: #RRGGBB #RRGGBB')", SHOWN(w[i]));
		}
	}
	return 0;
}

static bool valid_theme_name(const char *s)
{
	size_t n = strlen(s);
	return n > 0 && n < sizeof(((struct theme *)0)->name) &&
	       strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") == n;
}

/* The default name: the file's base name without ".theme". */
static void name_from_filename(const char *filename, char *name, size_t len)
{
	const char *base = strrchr(filename, '/');
	base = base ? base + 1 : filename;
	size_t n = strlen(base);
	if (n > 6 && strcmp(base + n - 6, ".theme") == 0)
		n -= 6;
	if (n >= len)
		n = len - 1;
	for (size_t i = 0; i < n; i++) {
		char c = base[i];
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		          c == '.' || c == '_' || c == '-';
		name[i] = ok ? c : '_';
	}
	name[n] = 0;
}

static int parse_line(struct parser *p, char *line, struct theme *out, int *role_line, bool *named)
{
	char *eq = strchr(line, '=');
	char *words[24];
	int n = 0;
	char *save, *tok;
	if (!eq) {
		tok = strtok_r(line, " \t", &save);
		return parse_error(p, "expected 'ROLE = FG BG [bold] [underline] [reverse] [256: FG BG] "
		                      "[rgb: FG BG]', got '%s'", SHOWN(tok ? tok : ""));
	}
	*eq = 0;
	char *key = strtok_r(line, " \t", &save);
	if (!key)
		return parse_error(p, "missing role name before '='");
	if (strtok_r(NULL, " \t", &save))
		return parse_error(p, "expected one role name before '=', got '%s ...'", SHOWN(key));
	for (tok = strtok_r(eq + 1, " \t", &save); tok; tok = strtok_r(NULL, " \t", &save)) {
		if (n == (int)(sizeof words / sizeof *words))
			return parse_error(p, "too many words after '%s ='", SHOWN(key));
		words[n++] = tok;
	}

	if (strcmp(key, "name") == 0) {
		if (*named)
			return parse_error(p, "duplicate 'name'");
		if (n != 1 || !valid_theme_name(words[0]))
			return parse_error(p, "bad theme name '%s' (one word of letters, digits, '.', '_', '-')",
			                   SHOWN(n ? words[0] : ""));
		snprintf(out->name, sizeof out->name, "%s", words[0]);
		*named = true;
		return 0;
	}
	int r = theme_role_from_name(key);
	if (r < 0)
		return parse_error(p, "unknown role '%s' (see the list at the top of themes/dark.theme)",
		                   SHOWN(key));
	if (role_line[r])
		return parse_error(p, "duplicate role '%s' (first set on line %d)", key, role_line[r]);
	role_line[r] = p->line;
	return parse_style(p, words, n, &out->role[r]);
}

int theme_parse(const char *text, const char *filename, struct theme *out, char *err, size_t errlen)
{
	struct parser p = { .filename = filename, .line = 0, .err = err, .errlen = errlen };
	int role_line[ROLE__COUNT] = { 0 };
	bool named = false;
	struct theme t = { 0 };
	name_from_filename(filename, t.name, sizeof t.name);

	for (const char *s = text; *s;) {
		const char *nl = strchr(s, '\n');
		size_t len = nl ? (size_t)(nl - s) : strlen(s);
		p.line++;
		if (len >= THEME_LINE_MAX)
			return parse_error(&p, "line too long");
		char line[THEME_LINE_MAX];
		memcpy(line, s, len);
		line[len] = 0;
		s = nl ? nl + 1 : s + len;
		if (len && line[len - 1] == '\r')
			line[--len] = 0;
		size_t lead = strspn(line, " \t");
		if (line[lead] == 0 || line[lead] == '#')
			continue;
		if (parse_line(&p, line + lead, &t, role_line, &named) < 0)
			return -1;
	}
	for (int r = 0; r < ROLE__COUNT; r++)
		if (!role_line[r]) {
			if (p.line == 0)
				p.line = 1;
			return parse_error(&p, "missing role '%s' (every role needs a line 'ROLE = FG BG'; "
			                       "see themes/dark.theme)", role_names[r]);
		}
	*out = t;
	return 0;
}

/* ---- loader ---- */

#ifndef GLASSBOX_THEME_DIR_DEFAULT
#define GLASSBOX_THEME_DIR_DEFAULT ""
#endif
#ifndef GLASSBOX_THEME_DIR_INSTALLED
#define GLASSBOX_THEME_DIR_INSTALLED ""
#endif

/* The directories searched, in order; empty entries are skipped. */
static void theme_dirs(struct strlist *dirs)
{
	const char *env = getenv("GLASSBOX_THEME_DIR");
	if (env && *env)
		strlist_push(dirs, env);
	const char *xdg = getenv("XDG_CONFIG_HOME");
	const char *home = getenv("HOME");
	if (xdg && xdg[0] == '/')
		strlist_push_owned(dirs, xasprintf("%s/glassbox/themes", xdg));
	else if (home && home[0] == '/')
		strlist_push_owned(dirs, xasprintf("%s/.config/glassbox/themes", home));
	if (GLASSBOX_THEME_DIR_DEFAULT[0])
		strlist_push(dirs, GLASSBOX_THEME_DIR_DEFAULT);
	if (GLASSBOX_THEME_DIR_INSTALLED[0] &&
	    strcmp(GLASSBOX_THEME_DIR_INSTALLED, GLASSBOX_THEME_DIR_DEFAULT) != 0)
		strlist_push(dirs, GLASSBOX_THEME_DIR_INSTALLED);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void theme_list_names(char *buf, size_t buflen)
{
	struct strlist dirs = { 0 }, names = { 0 };
	theme_dirs(&dirs);
	for (size_t i = 0; i < dirs.len; i++) {
		DIR *d = opendir(dirs.items[i]);
		if (!d)
			continue;
		struct dirent *e;
		while ((e = readdir(d))) {
			size_t n = strlen(e->d_name);
			if (n <= 6 || strcmp(e->d_name + n - 6, ".theme") != 0)
				continue;
			char name[256];
			snprintf(name, sizeof name, "%.*s", (int)(n - 6), e->d_name);
			if (valid_theme_name(name) && !strlist_contains(&names, name))
				strlist_push(&names, name);
		}
		closedir(d);
	}
	for (const struct theme_builtin *b = theme_builtins; b->name; b++)
		if (!strlist_contains(&names, b->name))
			strlist_push(&names, b->name);
	if (names.len)
		qsort(names.items, names.len, sizeof *names.items, cmp_str);
	size_t used = 0;
	buf[0] = 0;
	for (size_t i = 0; i < names.len && used < buflen; i++) {
		int w = snprintf(buf + used, buflen - used, "%s%s", i ? ", " : "", names.items[i]);
		if (w < 0)
			break;
		used += (size_t)w;
	}
	strlist_clear(&dirs);
	strlist_clear(&names);
}

/* Parses what read_file() returned for path (r: its result). */
static int parse_loaded(const char *path, int r, const char *text, size_t len, struct theme *out,
                        char *err, size_t errlen)
{
	if (r < 0 || strlen(text) != len) {
		cleanup_free char *file = sanitize_str(path);
		return error_set(err, errlen, "theme %s: %s", file,
		                 r == -EFBIG ? "file too large (at most 64 KiB)"
		                 : r < 0     ? strerror(-r)
		                             : "contains a NUL byte");
	}
	return theme_parse(text, path, out, err, errlen);
}

static int load_file(const char *path, struct theme *out, char *err, size_t errlen)
{
	cleanup_free char *text = NULL;
	size_t len = 0;
	int r = read_file(path, THEME_FILE_MAX, &text, &len);
	return parse_loaded(path, r, text, len, out, err, errlen);
}

int theme_load(const char *name_or_path, struct theme *out, char *err, size_t errlen)
{
	if (strchr(name_or_path, '/'))
		return load_file(name_or_path, out, err, errlen);
	if (!valid_theme_name(name_or_path)) {
		cleanup_free char *shown = sanitize_str(name_or_path);
		return error_set(err, errlen, "bad theme name '%s' (a name like 'dark', or a path containing '/')",
		                 shown);
	}

	struct strlist dirs = { 0 };
	theme_dirs(&dirs);
	for (size_t i = 0; i < dirs.len; i++) {
		cleanup_free char *path = xasprintf("%s/%s.theme", dirs.items[i], name_or_path);
		cleanup_free char *text = NULL;
		size_t len;
		int r = read_file(path, THEME_FILE_MAX, &text, &len);
		if (r == -ENOENT || r == -ENOTDIR)
			continue; /* not in this directory (or no such directory) */
		strlist_clear(&dirs);
		return parse_loaded(path, r, text, len, out, err, errlen);
	}
	strlist_clear(&dirs);

	for (const struct theme_builtin *b = theme_builtins; b->name; b++)
		if (strcmp(b->name, name_or_path) == 0) {
			char filename[128];
			snprintf(filename, sizeof filename, "%s.theme", b->name); /* the compiled-in copy */
			return theme_parse(b->text, filename, out, err, errlen);
		}

	char names[1024];
	theme_list_names(names, sizeof names);
	return error_set(err, errlen, "unknown theme '%s' (available: %s)", name_or_path, names);
}

void theme_mono(struct theme *out)
{
	char err[256];
	for (const struct theme_builtin *b = theme_builtins; b->name; b++)
		if (strcmp(b->name, "mono") == 0 && theme_parse(b->text, "mono.theme", out, err, sizeof err) == 0)
			return;
	abort(); /* themes/mono.theme is compiled in and parsed by the unit tests */
}
