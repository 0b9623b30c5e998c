/* profile: loads named JSON policy fragments into a struct policy.
 *
 * A name is looked up as: a file path (it contains '/' or ends in .json);
 * else the user's $XDG_CONFIG_HOME/glassbox/profiles/NAME.json; else the
 * built-in compiled from profiles/NAME.json. Loading a profile validates the
 * whole object (unknown fields, wrong types and bad paths are errors), expands
 * path templates ($HOME $CWD $TMPDIR, ${...}, leading ~), loads every `use`
 * entry into the result left to right and finally merges the profile's own
 * fields. A stack of the profiles being loaded detects cycles; inside a user
 * profile that shadows a built-in, `use` of its own name means the built-in.
 *
 * Nothing here prints except profile_list, which writes to the FILE it is
 * given; every name or path that came from the user or the filesystem is
 * sanitised before it appears in a message or the table. */
#include "profile.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cjson/cJSON.h>

#include "net_policy.h"
#include "sanitize.h"
#include "util.h"

#define PROFILE_MAX_DEPTH 16
#define PROFILE_MAX_BYTES (1u << 20)

enum source_kind {
	SRC_BUILTIN,
	SRC_USER,
	SRC_FILE
};

/* Where one profile's text comes from. */
struct source {
	enum source_kind kind;
	char *name;       /* as it was asked for, for messages */
	char *path;       /* user or file profiles */
	const char *text; /* built-ins */
	char *id;         /* identity for cycle detection */
};

struct loader {
	const struct profile_env *pe;
	char *err;
	size_t errlen;
	int depth;
	const char *ids[PROFILE_MAX_DEPTH];
	const char *names[PROFILE_MAX_DEPTH];
};

__attribute__((format(printf, 2, 3))) static int load_fail(struct loader *ld, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(ld->err, ld->errlen, fmt, ap);
	va_end(ap);
	return -1;
}

static void source_free(struct source *src)
{
	free(src->name);
	free(src->path);
	free(src->id);
	memset(src, 0, sizeof *src);
}

static const struct profile_builtin *builtin_find(const char *name)
{
	for (const struct profile_builtin *b = profile_builtins; b->name; b++)
		if (strcmp(b->name, name) == 0)
			return b;
	return NULL;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && strcmp(s + n - m, suffix) == 0;
}

static bool name_is_path(const char *name)
{
	return strchr(name, '/') || ends_with(name, ".json");
}

void profile_env_from_process(struct profile_env *pe, const char *cwd)
{
	/* The user directory depends only on this process's environment, so one
	 * buffer serves every caller. */
	static char user_dir[PATH_MAX];
	const char *home = getenv("HOME");
	const char *tmp = getenv("TMPDIR");
	const char *xdg = getenv("XDG_CONFIG_HOME");

	memset(pe, 0, sizeof *pe);
	pe->home = home && *home ? home : NULL;
	pe->cwd = cwd;
	pe->tmpdir = tmp && *tmp ? tmp : "/tmp";
	int n = -1;
	if (xdg && xdg[0] == '/')
		n = snprintf(user_dir, sizeof user_dir, "%s/glassbox/profiles", xdg);
	else if (pe->home && pe->home[0] == '/')
		n = snprintf(user_dir, sizeof user_dir, "%s/.config/glassbox/profiles", pe->home);
	if (n > 0 && (size_t)n < sizeof user_dir)
		pe->user_dir = user_dir;
}

/* ---- templates ---------------------------------------------------------- */

struct buf {
	char *s;
	size_t len, cap;
};

static void buf_add(struct buf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		b->cap = (b->len + n + 1) * 2;
		b->s = xrealloc(b->s, b->cap);
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

static bool is_name_start(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}

static bool is_name_char(char c)
{
	return is_name_start(c) || (c >= '0' && c <= '9');
}

/* Expands $HOME, $CWD, $TMPDIR (also as ${...}) and a leading ~ in a path of
 * profile pname's field. Returns a new string or NULL with err set. */
static char *expand_templates(struct loader *ld, const char *pname, const char *field,
                              const char *in)
{
	const struct profile_env *pe = ld->pe;
	struct buf b = { 0 };
	const char *p = in;

	buf_add(&b, "", 0);
	if (p[0] == '~' && (p[1] == '\0' || p[1] == '/')) {
		if (!pe->home || !*pe->home) {
			load_fail(ld, "profile '%s': field '%s': ~ used but $HOME is not set",
			          pname, field);
			free(b.s);
			return NULL;
		}
		buf_add(&b, pe->home, strlen(pe->home));
		p++;
	}
	while (*p) {
		const char *dollar = strchr(p, '$');
		if (!dollar) {
			buf_add(&b, p, strlen(p));
			break;
		}
		buf_add(&b, p, (size_t)(dollar - p));
		const char *name = dollar + 1, *end;
		size_t nlen;
		if (*name == '{') {
			name++;
			end = strchr(name, '}');
			nlen = end ? (size_t)(end - name) : 0;
			if (end)
				end++;
		} else {
			end = name;
			while (is_name_char(*end))
				end++;
			nlen = (size_t)(end - name);
		}
		bool valid = nlen > 0 && is_name_start(name[0]);
		for (size_t i = 0; valid && i < nlen; i++)
			valid = is_name_char(name[i]);
		if (!end || !valid) {
			cleanup_free char *s = sanitize_str(in);
			load_fail(
			        ld,
			        "profile '%s': field '%s': bad '$' in '%s' (use $HOME, $CWD or $TMPDIR)",
			        pname, field, s);
			free(b.s);
			return NULL;
		}
		const char *value;
		if (nlen == 4 && memcmp(name, "HOME", 4) == 0)
			value = pe->home;
		else if (nlen == 3 && memcmp(name, "CWD", 3) == 0)
			value = pe->cwd;
		else if (nlen == 6 && memcmp(name, "TMPDIR", 6) == 0)
			value = pe->tmpdir && *pe->tmpdir ? pe->tmpdir : "/tmp";
		else {
			cleanup_free char *s = sanitize_text(name, nlen);
			load_fail(
			        ld,
			        "profile '%s': field '%s': unknown variable '$%s' (known: $HOME, $CWD, $TMPDIR)",
			        pname, field, s);
			free(b.s);
			return NULL;
		}
		if (!value || !*value) {
			load_fail(ld, "profile '%s': field '%s': $%.*s is not set", pname, field,
			          (int)nlen, name);
			free(b.s);
			return NULL;
		}
		buf_add(&b, value, strlen(value));
		p = end;
	}
	return b.s;
}

/* ---- fields ------------------------------------------------------------- */

/* A list of paths: templates expanded, absolute, normalised. */
static int parse_paths(struct loader *ld, const char *pname, const cJSON *item, struct strlist *dst)
{
	const char *field = item->string;
	if (!cJSON_IsArray(item))
		return load_fail(ld, "profile '%s': field '%s' must be a list of paths", pname,
		                 field);
	const cJSON *el;
	cJSON_ArrayForEach(el, item) {
		if (!cJSON_IsString(el))
			return load_fail(ld, "profile '%s': field '%s' must be a list of paths",
			                 pname, field);
		if (!*el->valuestring)
			return load_fail(ld, "profile '%s': field '%s': empty string in list",
			                 pname, field);
		char *path = expand_templates(ld, pname, field, el->valuestring);
		if (!path)
			return -1;
		if (path[0] != '/') {
			cleanup_free char *s = sanitize_str(path);
			free(path);
			return load_fail(ld, "profile '%s': field '%s': path '%s' is not absolute",
			                 pname, field, s);
		}
		char *norm = policy_normalize_path(path);
		free(path);
		if (strlist_contains(dst, norm))
			free(norm);
		else
			strlist_push_owned(dst, norm);
	}
	return 0;
}

static bool env_pattern_valid(const char *s)
{
	if (!*s || strchr(s, '='))
		return false;
	const char *star = strchr(s, '*');
	return !star || star[1] == '\0';
}

/* A list of variable names or NAME* patterns. */
static int parse_names(struct loader *ld, const char *pname, const cJSON *item, struct strlist *dst)
{
	const char *field = item->string;
	if (!cJSON_IsArray(item))
		return load_fail(ld, "profile '%s': field '%s' must be a list of variable names",
		                 pname, field);
	const cJSON *el;
	cJSON_ArrayForEach(el, item) {
		if (!cJSON_IsString(el))
			return load_fail(
			        ld, "profile '%s': field '%s' must be a list of variable names",
			        pname, field);
		if (!*el->valuestring)
			return load_fail(ld, "profile '%s': field '%s': empty string in list",
			                 pname, field);
		if (!env_pattern_valid(el->valuestring)) {
			cleanup_free char *s = sanitize_str(el->valuestring);
			return load_fail(
			        ld,
			        "profile '%s': field '%s': invalid variable name '%s' (use NAME or NAME*)",
			        pname, field, s);
		}
		if (!strlist_contains(dst, el->valuestring))
			strlist_push(dst, el->valuestring);
	}
	return 0;
}

/* A list of network rules (see net_policy.h), checked here so a bad rule
 * fails when the profile loads. */
static int parse_net_rules(struct loader *ld, const char *pname, const cJSON *item,
                           struct strlist *dst)
{
	const char *field = item->string;
	const char *flag = strcmp(field, "deny_net") == 0 ? "--deny-net" : "--allow-net";
	if (!cJSON_IsArray(item))
		return load_fail(ld, "profile '%s': field '%s' must be a list of hosts", pname,
		                 field);
	const cJSON *el;
	cJSON_ArrayForEach(el, item) {
		if (!cJSON_IsString(el))
			return load_fail(ld, "profile '%s': field '%s' must be a list of hosts",
			                 pname, field);
		struct net_rule r;
		char rerr[256];
		if (net_rule_parse(el->valuestring, flag, &r, rerr, sizeof rerr) < 0)
			return load_fail(ld, "profile '%s': field '%s': %s", pname, field, rerr);
		if (!strlist_contains(dst, el->valuestring))
			strlist_push(dst, el->valuestring);
	}
	return 0;
}

static int parse_env(struct loader *ld, const char *pname, const cJSON *item, struct strlist *dst)
{
	if (!cJSON_IsObject(item))
		return load_fail(ld, "profile '%s': field 'env' must be an object of strings",
		                 pname);
	const cJSON *el;
	cJSON_ArrayForEach(el, item) {
		if (!*el->string || strchr(el->string, '=')) {
			cleanup_free char *s = sanitize_str(el->string);
			return load_fail(ld,
			                 "profile '%s': field 'env': invalid variable name '%s'",
			                 pname, s);
		}
		if (!cJSON_IsString(el)) {
			cleanup_free char *s = sanitize_str(el->string);
			return load_fail(
			        ld, "profile '%s': field 'env': value of '%s' must be a string",
			        pname, s);
		}
		cleanup_free char *entry = xasprintf("%s=%s", el->string, el->valuestring);
		policy_env_set(dst, entry);
	}
	return 0;
}

static int parse_use(struct loader *ld, const char *pname, const cJSON *item, struct strlist *uses)
{
	if (cJSON_IsString(item)) {
		if (!*item->valuestring)
			return load_fail(ld, "profile '%s': field 'use': empty name", pname);
		strlist_push(uses, item->valuestring);
		return 0;
	}
	if (!cJSON_IsArray(item))
		return load_fail(ld, "profile '%s': field 'use' must be a name or a list of names",
		                 pname);
	const cJSON *el;
	cJSON_ArrayForEach(el, item) {
		if (!cJSON_IsString(el))
			return load_fail(
			        ld, "profile '%s': field 'use' must be a name or a list of names",
			        pname);
		if (!*el->valuestring)
			return load_fail(ld, "profile '%s': field 'use': empty string in list",
			                 pname);
		strlist_push(uses, el->valuestring);
	}
	return 0;
}

static const char *const profile_fields[] = {
	"description", "use",       "system_read", "allow_read", "deny_read", "allow_write",
	"deny_write",  "allow_env", "deny_env",    "env",        "allow_net", "deny_net",
	NULL,
};

/* Validates a profile object and fills own (its own fields) and uses. */
static int parse_profile(struct loader *ld, const char *pname, const cJSON *root,
                         struct policy *own, struct strlist *uses)
{
	if (!cJSON_IsObject(root))
		return load_fail(ld, "profile '%s': expected a JSON object", pname);
	unsigned seen = 0;
	const cJSON *item;
	cJSON_ArrayForEach(item, root) {
		const char *key = item->string;
		size_t f = 0;
		while (profile_fields[f] && strcmp(profile_fields[f], key) != 0)
			f++;
		if (!profile_fields[f]) {
			cleanup_free char *s = sanitize_str(key);
			return load_fail(ld, "profile '%s': unknown field '%s'", pname, s);
		}
		if (seen & (1u << f))
			return load_fail(ld, "profile '%s': field '%s' appears twice", pname, key);
		seen |= 1u << f;

		int r = 0;
		if (strcmp(key, "description") == 0) {
			if (!cJSON_IsString(item))
				r = load_fail(ld,
				              "profile '%s': field 'description' must be a string",
				              pname);
		} else if (strcmp(key, "use") == 0) {
			r = parse_use(ld, pname, item, uses);
		} else if (strcmp(key, "system_read") == 0) {
			r = parse_paths(ld, pname, item, &own->system_read);
		} else if (strcmp(key, "allow_read") == 0) {
			r = parse_paths(ld, pname, item, &own->allow_read);
		} else if (strcmp(key, "deny_read") == 0) {
			r = parse_paths(ld, pname, item, &own->deny_read);
		} else if (strcmp(key, "allow_write") == 0) {
			if (cJSON_IsTrue(item))
				own->allow_write_all = true;
			else if (!cJSON_IsArray(item))
				r = load_fail(
				        ld,
				        "profile '%s': field 'allow_write' must be a list of paths or true",
				        pname);
			else
				r = parse_paths(ld, pname, item, &own->allow_write);
		} else if (strcmp(key, "deny_write") == 0) {
			r = parse_paths(ld, pname, item, &own->deny_write);
		} else if (strcmp(key, "allow_env") == 0) {
			if (cJSON_IsTrue(item))
				own->allow_env_all = true;
			else if (!cJSON_IsArray(item))
				r = load_fail(
				        ld,
				        "profile '%s': field 'allow_env' must be a list of names or true",
				        pname);
			else
				r = parse_names(ld, pname, item, &own->allow_env);
		} else if (strcmp(key, "deny_env") == 0) {
			r = parse_names(ld, pname, item, &own->deny_env);
		} else if (strcmp(key, "env") == 0) {
			r = parse_env(ld, pname, item, &own->env);
		} else if (strcmp(key, "allow_net") == 0) {
			if (cJSON_IsTrue(item))
				own->allow_net_all = true;
			else if (!cJSON_IsArray(item))
				r = load_fail(
				        ld,
				        "profile '%s': field 'allow_net' must be a list of hosts or true",
				        pname);
			else
				r = parse_net_rules(ld, pname, item, &own->allow_net);
		} else if (strcmp(key, "deny_net") == 0) {
			r = parse_net_rules(ld, pname, item, &own->deny_net);
		}
		if (r < 0)
			return -1;
	}
	return 0;
}

/* ---- lookup and loading ------------------------------------------------- */

static int json_error_line(const char *text, const char *at)
{
	int line = 1;
	if (!at || at < text)
		return line;
	for (const char *p = text; p < at && *p; p++)
		if (*p == '\n')
			line++;
	return line;
}

/* Finds where NAME comes from. builtin_only: a user profile's use of its own
 * name. rel_dir: directory that relative file names in `use` are against. */
static int source_find(struct loader *ld, const char *name, bool builtin_only, const char *rel_dir,
                       struct source *src)
{
	memset(src, 0, sizeof *src);
	if (name_is_path(name)) {
		char *path = policy_expand_home(name, ld->pe->home);
		if (!path) {
			cleanup_free char *s = sanitize_str(name);
			return load_fail(ld, "profile '%s': ~ used but $HOME is not set", s);
		}
		if (path[0] != '/' && rel_dir) {
			char *joined = xasprintf("%s/%s", rel_dir, path);
			free(path);
			path = joined;
		}
		char *real = realpath(path, NULL);
		src->kind = SRC_FILE;
		src->name = xstrdup(name);
		src->path = path;
		src->id = real ? real : xstrdup(path);
		return 0;
	}
	if (!builtin_only && ld->pe->user_dir) {
		char *path = xasprintf("%s/%s.json", ld->pe->user_dir, name);
		struct stat st;
		if (stat(path, &st) == 0) {
			src->kind = SRC_USER;
			src->name = xstrdup(name);
			src->path = path;
			src->id = xasprintf("user:%s", name);
			return 0;
		}
		int e = errno;
		free(path);
		if (e != ENOENT && e != ENOTDIR && e != EACCES) { /* unsearchable dir: no user profiles */
			cleanup_free char *s = sanitize_str(name);
			cleanup_free char *d = sanitize_str(ld->pe->user_dir);
			return load_fail(ld, "profile '%s': cannot look in %s: %s", s, d,
			                 strerror(e));
		}
	}
	const struct profile_builtin *b = builtin_find(name);
	if (!b) {
		cleanup_free char *s = sanitize_str(name);
		return load_fail(ld, "unknown profile '%s' (see glassbox profile list)", s);
	}
	src->kind = SRC_BUILTIN;
	src->name = xstrdup(name);
	src->text = b->json ? b->json : "";
	src->id = xasprintf("builtin:%s", name);
	return 0;
}

static int cycle_fail(struct loader *ld, int from, const char *again)
{
	struct buf b = { 0 };
	buf_add(&b, "", 0);
	for (int i = from; i < ld->depth; i++) {
		cleanup_free char *s = sanitize_str(ld->names[i]);
		buf_add(&b, s, strlen(s));
		buf_add(&b, " -> ", 4);
	}
	cleanup_free char *s = sanitize_str(again);
	buf_add(&b, s, strlen(s));
	cleanup_free char *first = sanitize_str(ld->names[from]);
	load_fail(ld, "profile '%s': cycle %s", first, b.s);
	free(b.s);
	return -1;
}

static int load_source(struct loader *ld, const struct source *src, struct policy *out);

static int load_use(struct loader *ld, const struct source *parent, const char *name,
                    struct policy *out)
{
	bool builtin_only = parent->kind == SRC_USER && strcmp(name, parent->name) == 0;
	if (builtin_only && !builtin_find(name))
		return cycle_fail(ld, ld->depth - 1, name);
	cleanup_free char *dir = NULL;
	if (parent->path && strchr(parent->path, '/')) {
		dir = xstrdup(parent->path);
		*strrchr(dir, '/') = '\0';
		if (!*dir) {
			free(dir);
			dir = xstrdup("/");
		}
	}
	struct source src;
	if (source_find(ld, name, builtin_only, dir, &src) < 0)
		return -1;
	for (int i = 0; i < ld->depth; i++) {
		if (strcmp(ld->ids[i], src.id) == 0) {
			cycle_fail(ld, i, name);
			source_free(&src);
			return -1;
		}
	}
	int r = load_source(ld, &src, out);
	source_free(&src);
	return r;
}

static int load_source(struct loader *ld, const struct source *src, struct policy *out)
{
	cleanup_free char *pname = sanitize_str(src->name);
	if (ld->depth >= PROFILE_MAX_DEPTH)
		return load_fail(ld, "profile '%s': profiles use each other too deeply (limit %d)",
		                 pname, PROFILE_MAX_DEPTH);

	cleanup_free char *file_text = NULL;
	const char *text = src->text;
	if (!text) {
		int r = read_file(src->path, PROFILE_MAX_BYTES, &file_text, NULL);
		if (r < 0) {
			cleanup_free char *p = sanitize_str(src->path);
			return load_fail(ld, "profile '%s': cannot read %s: %s", pname, p,
			                 r == -EFBIG ? "file too large" : strerror(-r));
		}
		text = file_text;
	}
	const char *end = NULL;
	cJSON *root = cJSON_ParseWithOpts(text, &end, 1);
	if (!root) {
		cleanup_free char *where = src->path ? sanitize_str(src->path) :
		                                       xstrdup("built-in");
		return load_fail(ld, "profile '%s' (%s): invalid JSON near line %d", pname, where,
		                 json_error_line(text, end));
	}

	struct policy own = { 0 };
	struct strlist uses = { 0 };
	int r = parse_profile(ld, pname, root, &own, &uses);
	cJSON_Delete(root);

	ld->ids[ld->depth] = src->id;
	ld->names[ld->depth] = src->name;
	ld->depth++;
	for (size_t i = 0; r == 0 && i < uses.len; i++)
		r = load_use(ld, src, uses.items[i], out);
	ld->depth--;

	if (r == 0)
		policy_merge(out, &own);
	policy_free(&own);
	strlist_clear(&uses);
	return r;
}

int profile_load(const char *name, const struct profile_env *pe, struct policy *out, char *err,
                 size_t errlen)
{
	struct loader ld = { .pe = pe, .err = err, .errlen = errlen };
	if (errlen)
		err[0] = '\0';
	if (!name || !*name)
		return load_fail(&ld, "empty profile name");
	struct source src;
	if (source_find(&ld, name, false, NULL, &src) < 0)
		return -1;
	struct policy tmp = { 0 };
	int r = load_source(&ld, &src, &tmp);
	source_free(&src);
	if (r == 0)
		policy_merge(out, &tmp);
	policy_free(&tmp);
	return r;
}

/* ---- output ------------------------------------------------------------- */

static void json_add_list(cJSON *obj, const char *key, const struct strlist *l)
{
	cJSON *arr = cJSON_AddArrayToObject(obj, key);
	for (size_t i = 0; i < l->len; i++)
		cJSON_AddItemToArray(arr, cJSON_CreateString(l->items[i]));
}

static void json_add_scalar(struct buf *b, const cJSON *v)
{
	char *s = cJSON_PrintUnformatted(v);
	if (!s)
		abort();
	buf_add(b, s, strlen(s));
	free(s);
}

/* Pretty JSON with one list item per line and two-space indents, which reads
 * better than cJSON_Print's tab-separated single-line arrays. */
static void json_render(struct buf *b, const cJSON *v, int indent)
{
	bool obj = cJSON_IsObject(v);
	if (!obj && !cJSON_IsArray(v)) {
		json_add_scalar(b, v);
		return;
	}
	if (!v->child) {
		buf_add(b, obj ? "{}" : "[]", 2);
		return;
	}
	buf_add(b, obj ? "{\n" : "[\n", 2);
	for (const cJSON *c = v->child; c; c = c->next) {
		for (int i = 0; i < indent + 2; i++)
			buf_add(b, " ", 1);
		if (obj) {
			cJSON *key = cJSON_CreateString(c->string);
			json_add_scalar(b, key);
			cJSON_Delete(key);
			buf_add(b, ": ", 2);
		}
		json_render(b, c, indent + 2);
		buf_add(b, c->next ? ",\n" : "\n", c->next ? 2 : 1);
	}
	for (int i = 0; i < indent; i++)
		buf_add(b, " ", 1);
	buf_add(b, obj ? "}" : "]", 1);
}

char *profile_policy_to_json(const struct policy *p)
{
	cJSON *o = cJSON_CreateObject();
	json_add_list(o, "system_read", &p->system_read);
	json_add_list(o, "allow_read", &p->allow_read);
	json_add_list(o, "deny_read", &p->deny_read);
	if (p->allow_write_all)
		cJSON_AddTrueToObject(o, "allow_write");
	else
		json_add_list(o, "allow_write", &p->allow_write);
	json_add_list(o, "deny_write", &p->deny_write);
	if (p->allow_env_all)
		cJSON_AddTrueToObject(o, "allow_env");
	else
		json_add_list(o, "allow_env", &p->allow_env);
	json_add_list(o, "deny_env", &p->deny_env);
	cJSON *env = cJSON_AddObjectToObject(o, "env");
	for (size_t i = 0; i < p->env.len; i++) {
		const char *e = p->env.items[i];
		const char *eq = strchr(e, '=');
		if (!eq)
			continue;
		cleanup_free char *key = xstrdup(e);
		key[eq - e] = '\0';
		cJSON_AddStringToObject(env, key, eq + 1);
	}
	if (p->allow_net_all)
		cJSON_AddTrueToObject(o, "allow_net");
	else
		json_add_list(o, "allow_net", &p->allow_net);
	json_add_list(o, "deny_net", &p->deny_net);
	/* Secrets by name and host only: values never leave the policy. */
	if (p->secrets.len) {
		cJSON *sec = cJSON_AddObjectToObject(o, "secrets");
		for (size_t i = 0; i < p->secrets.len; i++) {
			const char *e = p->secrets.items[i];
			size_t nl = strcspn(e, "=");
			cleanup_free char *key = xasprintf("%.*s", (int)nl, e);
			cJSON *hosts = cJSON_AddArrayToObject(sec, key);
			for (size_t k = 0; k < p->secret_hosts.len; k++) {
				const char *h = p->secret_hosts.items[k];
				if (strncmp(h, e, nl + 1) == 0)
					cJSON_AddItemToArray(hosts, cJSON_CreateString(h + nl + 1));
			}
		}
	}
	if (p->allow_all)
		cJSON_AddTrueToObject(o, "allow_all");
	if (p->no_sandbox)
		cJSON_AddTrueToObject(o, "no_sandbox");
	if (p->strict_sandbox)
		cJSON_AddTrueToObject(o, "strict_sandbox");
	struct buf b = { 0 };
	json_render(&b, o, 0);
	buf_add(&b, "\n", 1);
	cJSON_Delete(o);
	return b.s;
}

struct list_row {
	char *name;   /* raw, for sorting and shadowing */
	char *source; /* sanitised */
	char *desc;   /* sanitised */
};

static char *description_of(const char *text)
{
	cJSON *root = cJSON_Parse(text);
	if (!root)
		return xstrdup("(invalid JSON)");
	const cJSON *d = cJSON_GetObjectItemCaseSensitive(root, "description");
	char *s = cJSON_IsString(d) ? sanitize_str(d->valuestring) : xstrdup("");
	cJSON_Delete(root);
	return s;
}

static int row_cmp(const void *a, const void *b)
{
	return strcmp(((const struct list_row *)a)->name, ((const struct list_row *)b)->name);
}

static void rows_free(struct list_row *rows, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(rows[i].name);
		free(rows[i].source);
		free(rows[i].desc);
	}
	free(rows);
}

int profile_list(const struct profile_env *pe, FILE *fp, char *err, size_t errlen)
{
	struct list_row *rows = NULL;
	size_t n = 0, cap = 0;

	for (const struct profile_builtin *b = profile_builtins; b->name; b++) {
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			rows = xrealloc(rows, cap * sizeof *rows);
		}
		rows[n].name = xstrdup(b->name);
		rows[n].source = xstrdup("builtin");
		rows[n].desc = description_of(b->json ? b->json : "");
		n++;
	}

	DIR *dir = pe->user_dir ? opendir(pe->user_dir) : NULL;
	if (!dir && pe->user_dir && errno != ENOENT && errno != ENOTDIR) {
		int e = errno;
		cleanup_free char *d = sanitize_str(pe->user_dir);
		snprintf(err, errlen, "cannot list %s: %s", d, strerror(e));
		rows_free(rows, n);
		return -1;
	}
	struct dirent *de;
	while (dir && (de = readdir(dir))) {
		const char *fname = de->d_name;
		size_t len = strlen(fname);
		if (fname[0] == '.' || len <= 5 || !ends_with(fname, ".json"))
			continue;
		cleanup_free char *path = xasprintf("%s/%s", pe->user_dir, fname);
		struct stat st;
		if (stat(path, &st) < 0 || !S_ISREG(st.st_mode))
			continue;
		cleanup_free char *name = xstrdup(fname);
		name[len - 5] = '\0';
		cleanup_free char *text = NULL;
		char *desc;
		if (read_file(path, PROFILE_MAX_BYTES, &text, NULL) < 0)
			desc = xstrdup("(unreadable)");
		else
			desc = description_of(text);
		size_t i = 0;
		while (i < n && strcmp(rows[i].name, name) != 0)
			i++;
		if (i == n) {
			if (n == cap) {
				cap = cap ? cap * 2 : 16;
				rows = xrealloc(rows, cap * sizeof *rows);
			}
			rows[n].name = steal_pointer(&name);
			n++;
		} else {
			free(rows[i].source);
			free(rows[i].desc);
		}
		rows[i].source = sanitize_str(path);
		rows[i].desc = desc;
	}
	if (dir)
		closedir(dir);

	qsort(rows, n, sizeof *rows, row_cmp);
	char **names = xcalloc(n ? n : 1, sizeof *names);
	size_t wname = strlen("NAME"), wsrc = strlen("SOURCE");
	for (size_t i = 0; i < n; i++) {
		names[i] = sanitize_str(rows[i].name);
		if (strlen(names[i]) > wname)
			wname = strlen(names[i]);
		if (strlen(rows[i].source) > wsrc)
			wsrc = strlen(rows[i].source);
	}
	int r = fprintf(fp, "%-*s  %-*s  %s\n", (int)wname, "NAME", (int)wsrc, "SOURCE",
	                "DESCRIPTION") < 0 ?
	                -1 :
	                0;
	for (size_t i = 0; r == 0 && i < n; i++) {
		/* No trailing blanks when a description is empty. */
		if (*rows[i].desc)
			r = fprintf(fp, "%-*s  %-*s  %s\n", (int)wname, names[i], (int)wsrc,
			            rows[i].source, rows[i].desc) < 0 ?
			            -1 :
			            0;
		else
			r = fprintf(fp, "%-*s  %s\n", (int)wname, names[i], rows[i].source) < 0 ?
			            -1 :
			            0;
	}
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	rows_free(rows, n);
	if (r == 0 && fflush(fp) != 0)
		r = -1;
	if (r < 0)
		snprintf(err, errlen, "cannot write the profile list: %s", strerror(errno));
	return r;
}
