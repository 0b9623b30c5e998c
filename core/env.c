/* env: the sandboxed command's environment. The parent's entries are
 * filtered (essentials + allow_env, or everything with bare --allow-env; then
 * deny_env removes, even essentials), and explicit --env KEY=VALUE entries are
 * applied last so they win over deny. Each key appears at most once. */
#include "env.h"

#include <string.h>
#include <strings.h>

#include "jail.h"
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
	env_apply_secrets(p, out);
}

/* Does entry's value hold a secret's value? Short values (a secret "1")
 * would match everything, so those only match exactly. */
static bool env_holds_secret(const struct policy *p, const char *entry)
{
	const char *v = strchr(entry, '=');
	v = v ? v + 1 : entry;
	for (size_t i = 0; i < p->secrets.len; i++) {
		const char *sv = strchr(p->secrets.items[i], '=');
		if (!sv || !*++sv)
			continue;
		if (strcmp(v, sv) == 0 || (strlen(sv) >= 8 && strstr(v, sv)))
			return true;
	}
	return false;
}

void env_apply_secrets(const struct policy *p, struct strlist *env)
{
	if (!p->secrets.len)
		return;
	/* The real values never go in: drop any entry carrying one (an
	 * inherited variable, an --env copy), then set the placeholders. */
	for (size_t i = 0; i < env->len;) {
		if (env_holds_secret(p, env->items[i])) {
			free(env->items[i]);
			memmove(&env->items[i], &env->items[i + 1], (env->len - i) * sizeof *env->items);
			env->len--;
		} else {
			i++;
		}
	}
	for (size_t i = 0; i < p->secret_placeholders.len; i++)
		policy_env_set(env, p->secret_placeholders.items[i]);
}

void env_set_proxy(const struct policy *p, struct strlist *env, unsigned port)
{
	/* NO_PROXY would send traffic around the proxy (it fails anyway: the
	 * sandbox has no other route) and hide it from the event stream; it is
	 * kept only when the user set it with --env. */
	static const char *const no_proxy[] = { "NO_PROXY", "no_proxy" };
	for (size_t k = 0; k < 2; k++) {
		size_t n = strlen(no_proxy[k]);
		int i = policy_env_find(env, no_proxy[k], n);
		if (i >= 0 && policy_env_find(&p->env, no_proxy[k], n) < 0) {
			cleanup_free char *entry = xstrdup(env->items[i]);
			strlist_remove(env, entry);
		}
	}
	/* One port serves HTTP proxying, CONNECT and SOCKS5 (told apart by the
	 * first byte); socks5h keeps name resolution on the proxy side, so the
	 * policy judges names. An explicit --env of any of these wins. */
	static const char *const vars[] = { "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY",
		                            "http_proxy", "https_proxy", "all_proxy" };
	for (size_t k = 0; k < sizeof vars / sizeof vars[0]; k++) {
		if (policy_env_find(&p->env, vars[k], strlen(vars[k])) >= 0)
			continue;
		bool all = strcasecmp(vars[k], "ALL_PROXY") == 0;
		cleanup_free char *entry = xasprintf("%s=%s://127.0.0.1:%u", vars[k],
		                                     all ? "socks5h" : "http", port);
		policy_env_set(env, entry);
	}
	/* With secrets the proxy intercepts TLS to their hosts: clients must
	 * trust the session CA (the bundle also holds the host's roots). */
	static const char *const ca_vars[] = { "SSL_CERT_FILE", "REQUESTS_CA_BUNDLE",
		                               "CURL_CA_BUNDLE", "NODE_EXTRA_CA_CERTS",
		                               "GIT_SSL_CAINFO", "PIP_CERT" };
	for (size_t k = 0; p->secrets.len && k < sizeof ca_vars / sizeof ca_vars[0]; k++) {
		if (policy_env_find(&p->env, ca_vars[k], strlen(ca_vars[k])) >= 0)
			continue;
		cleanup_free char *entry = xasprintf("%s=%s", ca_vars[k], JAIL_CA_BUNDLE);
		policy_env_set(env, entry);
	}
}
