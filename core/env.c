/* env: the sandboxed command's environment. The parent's entries are
 * filtered (essentials + allow_env, or everything with bare --allow-env; then
 * deny_env removes, even essentials), and explicit --env KEY=VALUE entries are
 * applied last so they win over deny. Each key appears at most once. */
#include "env.h"

#include <string.h>

#include "util.h"

static const char *const env_essentials[] = {
	"PATH", "HOME", "USER", "SHELL", "TERM", "LANG", NULL,
};

bool env_name_matches(const struct strlist *patterns, const char *name, size_t name_len)
{
	for (size_t i = 0; i < patterns->len; i++) {
		const char *pat = patterns->items[i];
		size_t n = strlen(pat);
		if (n > 0 && pat[n - 1] == '*') {
			if (name_len >= n - 1 && memcmp(name, pat, n - 1) == 0)
				return true;
		} else if (n == name_len && memcmp(name, pat, n) == 0) {
			return true;
		}
	}
	return false;
}

static bool env_is_essential(const char *name, size_t name_len)
{
	for (size_t i = 0; env_essentials[i]; i++)
		if (strlen(env_essentials[i]) == name_len &&
		    memcmp(env_essentials[i], name, name_len) == 0)
			return true;
	return false;
}

void env_build(const struct policy *p, char *const *parent, struct strlist *out)
{
	for (size_t i = 0; parent && parent[i]; i++) {
		const char *entry = parent[i];
		const char *eq = strchr(entry, '=');
		if (!eq || eq == entry)
			continue;
		size_t name_len = (size_t)(eq - entry);
		bool keep = p->allow_env_all || env_is_essential(entry, name_len) ||
		            env_name_matches(&p->allow_env, entry, name_len);
		if (!keep || env_name_matches(&p->deny_env, entry, name_len))
			continue;
		/* getenv() sees the first of duplicate parent entries; so do we. */
		if (policy_env_find(out, entry, name_len) >= 0)
			continue;
		strlist_push(out, entry);
	}
	for (size_t i = 0; i < p->env.len; i++)
		policy_env_set(out, p->env.items[i]);
}
