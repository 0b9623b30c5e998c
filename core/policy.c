/* policy: lifetime and merging of struct policy, and the resolution of paths
 * named on the command line. Profiles (profile.c) and flags (cli.c) each fill
 * a policy; the caller merges them here in order (profiles left to right, then
 * flags) and the merged policy goes to env.c and the jail's planner.
 *
 * Paths from the command line are relative to the sandbox's working
 * directory, may start with ~ (the shell does not expand it after `=`), and
 * are normalised lexically: symlinks are left for the jail to resolve. */
#include "policy.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "sanitize.h"
#include "util.h"

void policy_free(struct policy *p)
{
	strlist_clear(&p->system_read);
	strlist_clear(&p->allow_read);
	strlist_clear(&p->deny_read);
	strlist_clear(&p->allow_write);
	strlist_clear(&p->deny_write);
	strlist_clear(&p->allow_env);
	strlist_clear(&p->deny_env);
	strlist_clear(&p->env);
	strlist_clear(&p->allow_net);
	strlist_clear(&p->deny_net);
	for (size_t i = 0; i < p->secrets.len; i++)
		explicit_bzero(p->secrets.items[i], strlen(p->secrets.items[i]));
	strlist_clear(&p->secrets);
	strlist_clear(&p->secret_placeholders);
	strlist_clear(&p->secret_hosts);
	memset(p, 0, sizeof *p);
}

/* Appends the items of src that dst does not hold yet, keeping order. */
static void merge_list(struct strlist *dst, const struct strlist *src)
{
	size_t n = src->len;
	for (size_t i = 0; i < n; i++)
		if (!strlist_contains(dst, src->items[i]))
			strlist_push(dst, src->items[i]);
}

int policy_env_find(const struct strlist *env, const char *key, size_t key_len)
{
	for (size_t i = 0; i < env->len; i++) {
		const char *e = env->items[i];
		if (strncmp(e, key, key_len) == 0 && e[key_len] == '=')
			return (int)i;
	}
	return -1;
}

void policy_env_set(struct strlist *env, const char *entry)
{
	const char *eq = strchr(entry, '=');
	size_t key_len = eq ? (size_t)(eq - entry) : strlen(entry);
	int i = policy_env_find(env, entry, key_len);
	if (i < 0) {
		strlist_push(env, entry);
		return;
	}
	free(env->items[i]);
	env->items[i] = xstrdup(entry);
}

void policy_merge(struct policy *dst, const struct policy *src)
{
	merge_list(&dst->system_read, &src->system_read);
	merge_list(&dst->allow_read, &src->allow_read);
	merge_list(&dst->deny_read, &src->deny_read);
	merge_list(&dst->allow_write, &src->allow_write);
	merge_list(&dst->deny_write, &src->deny_write);
	merge_list(&dst->allow_env, &src->allow_env);
	merge_list(&dst->deny_env, &src->deny_env);
	for (size_t i = 0; i < src->env.len; i++)
		policy_env_set(&dst->env, src->env.items[i]);
	dst->allow_write_all |= src->allow_write_all;
	merge_list(&dst->allow_net, &src->allow_net);
	merge_list(&dst->deny_net, &src->deny_net);
	for (size_t i = 0; i < src->secrets.len; i++)
		policy_env_set(&dst->secrets, src->secrets.items[i]);
	for (size_t i = 0; i < src->secret_placeholders.len; i++)
		policy_env_set(&dst->secret_placeholders, src->secret_placeholders.items[i]);
	merge_list(&dst->secret_hosts, &src->secret_hosts);
	dst->allow_env_all |= src->allow_env_all;
	dst->allow_net_all |= src->allow_net_all;
	dst->allow_all |= src->allow_all;
	dst->no_sandbox |= src->no_sandbox;
	dst->strict_sandbox |= src->strict_sandbox;
}

char *policy_normalize_path(const char *path)
{
	size_t n = strlen(path);
	char *out = xmalloc(n + 2);
	size_t len = 0;
	const char *p = path;

	out[len++] = '/';
	while (*p) {
		while (*p == '/')
			p++;
		if (!*p)
			break;
		const char *end = strchr(p, '/');
		size_t seg = end ? (size_t)(end - p) : strlen(p);
		if (seg == 1 && p[0] == '.') {
			/* nothing */
		} else if (seg == 2 && p[0] == '.' && p[1] == '.') {
			/* Back up to the previous separator; /.. stays /. */
			while (len > 1 && out[len - 1] != '/')
				len--;
			if (len > 1)
				len--;
		} else {
			if (len > 1)
				out[len++] = '/';
			memcpy(out + len, p, seg);
			len += seg;
		}
		p += seg;
	}
	out[len] = '\0';
	return out;
}

char *policy_canonical_path(const char *path, bool *exists)
{
	cleanup_free char *norm = policy_normalize_path(path);
	char buf[PATH_MAX];
	if (realpath(norm, buf)) {
		*exists = true;
		return xstrdup(buf);
	}
	*exists = false;
	size_t cut = strlen(norm);
	while (cut > 1) {
		while (cut > 0 && norm[cut] != '/')
			cut--;
		if (cut == 0)
			break;
		norm[cut] = '\0';
		if (realpath(norm, buf)) {
			norm[cut] = '/';
			return xasprintf("%s%s", strcmp(buf, "/") ? buf : "", norm + cut);
		}
		norm[cut] = '/';
		cut--;
	}
	return xstrdup(norm);
}

char *policy_expand_home(const char *path, const char *home)
{
	if (path[0] != '~' || (path[1] != '\0' && path[1] != '/'))
		return xstrdup(path);
	if (!home || home[0] != '/')
		return NULL;
	return xasprintf("%s%s", home, path + 1);
}

static int resolve_list(struct strlist *l, const char *flag, bool must_exist, const char *base,
                        const char *home, char *err, size_t errlen)
{
	for (size_t i = 0; i < l->len; i++) {
		const char *given = l->items[i];
		char *expanded = policy_expand_home(given, home);
		if (!expanded) {
			cleanup_free char *s = sanitize_str(given);
			snprintf(err, errlen, "%s: %s: $HOME is not set to an absolute path", flag,
			         s);
			return -1;
		}
		char *joined = expanded;
		if (expanded[0] != '/') {
			joined = xasprintf("%s/%s", base, expanded);
			free(expanded);
		}
		char *norm = policy_normalize_path(joined);
		free(joined);
		if (must_exist) {
			struct stat st;
			if (stat(norm, &st) < 0) {
				int e = errno;
				cleanup_free char *s = sanitize_str(norm);
				snprintf(err, errlen, "%s: %s: %s", flag, s, strerror(e));
				free(norm);
				return -1;
			}
		}
		free(l->items[i]);
		l->items[i] = norm;
	}
	return 0;
}

int policy_resolve_cli_paths(struct policy *p, const char *base, char *err, size_t errlen)
{
	cleanup_free char *cwd = NULL;
	if (!base) {
		cwd = getcwd(NULL, 0);
		if (!cwd) {
			snprintf(err, errlen, "cannot determine the current directory: %s",
			         strerror(errno));
			return -1;
		}
		base = cwd;
	}
	if (base[0] != '/') {
		cleanup_free char *s = sanitize_str(base);
		snprintf(err, errlen, "base directory '%s' is not absolute", s);
		return -1;
	}
	const char *home = getenv("HOME");
	if (resolve_list(&p->allow_read, "--allow-read", true, base, home, err, errlen) < 0 ||
	    resolve_list(&p->deny_read, "--deny-read", false, base, home, err, errlen) < 0 ||
	    resolve_list(&p->allow_write, "--allow-write", true, base, home, err, errlen) < 0 ||
	    resolve_list(&p->deny_write, "--deny-write", false, base, home, err, errlen) < 0)
		return -1;
	return 0;
}

void policy_absolute_paths(const struct strlist *in, const char *base, const char *home,
                           struct strlist *out)
{
	for (size_t i = 0; i < in->len; i++) {
		char *exp = policy_expand_home(in->items[i], home);
		const char *p = exp ? exp : in->items[i];
		char *abs = p[0] == '/' ? xstrdup(p) : xasprintf("%s/%s", base, p);
		strlist_push_owned(out, policy_normalize_path(abs));
		free(abs);
		free(exp);
	}
}
