/* secrets: the table of --secret values, their placeholders and hosts, and
 * the one place a placeholder becomes a value (secrets_subst). Error
 * messages name secrets, never their values. */
#include "secrets.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

#include "util.h"

bool secret_name_valid(const char *s, size_t len)
{
	if (!len || (s[0] >= '0' && s[0] <= '9'))
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '_'))
			return false;
	}
	return true;
}

char *secret_new_placeholder(void)
{
	unsigned char r[32];
	size_t got = 0;
	while (got < sizeof r) {
		ssize_t n = getrandom(r + got, sizeof r - got, 0);
		if (n > 0)
			got += (size_t)n;
		else if (n < 0 && errno != EINTR)
			abort(); /* no kernel randomness: nothing safe to do */
	}
	char *p = xmalloc(SECRET_PLACEHOLDER_LEN + 1);
	memcpy(p, SECRET_PREFIX, sizeof SECRET_PREFIX - 1);
	for (size_t i = 0; i < sizeof r; i++)
		snprintf(p + sizeof SECRET_PREFIX - 1 + 2 * i, 3, "%02x", r[i]);
	return p;
}

static struct secret *find(struct secrets *s, const char *name, size_t len)
{
	for (size_t i = 0; i < s->n; i++)
		if (strlen(s->v[i].name) == len && memcmp(s->v[i].name, name, len) == 0)
			return &s->v[i];
	return NULL;
}

/* Parses p's NAME=HOST entries into per-secret host arrays, then swaps them
 * in only when all are valid (the proxy keeps working on the old ones
 * otherwise). */
int secrets_set_hosts(struct secrets *out, const struct policy *p, char *err, size_t errlen)
{
	struct net_rule **hosts = xcalloc(out->n ? out->n : 1, sizeof *hosts);
	size_t *n_hosts = xcalloc(out->n ? out->n : 1, sizeof *n_hosts);
	int r = 0;
	for (size_t i = 0; i < p->secret_hosts.len && r == 0; i++) {
		const char *e = p->secret_hosts.items[i];
		const char *eq = strchr(e, '=');
		size_t nl = eq ? (size_t)(eq - e) : 0;
		struct secret *x = eq ? find(out, e, nl) : NULL;
		if (!x) {
			r = error_set(err, errlen,
			              "--secret-host %.*s: no --secret %.*s=VALUE was given",
			              (int)(nl ? nl : strlen(e)), e, (int)(nl ? nl : strlen(e)), e);
			break;
		}
		size_t k = (size_t)(x - out->v);
		struct net_rule rule;
		if (net_rule_parse(eq + 1, "--secret-host", &rule, err, errlen) < 0)
			r = -1;
		else if (rule.kind == NET_RULE_ANY)
			r = error_set(err, errlen,
			              "--secret-host %s: name the hosts ('*' would send the "
			              "secret everywhere)",
			              x->name);
		else {
			hosts[k] = xrealloc(hosts[k], (n_hosts[k] + 1) * sizeof *hosts[k]);
			hosts[k][n_hosts[k]++] = rule;
		}
	}
	for (size_t k = 0; k < out->n; k++) {
		if (r == 0) {
			free(out->v[k].hosts);
			out->v[k].hosts = hosts[k];
			out->v[k].n_hosts = n_hosts[k];
		} else {
			free(hosts[k]);
		}
	}
	free(hosts);
	free(n_hosts);
	return r;
}

int secrets_load(const struct policy *p, struct secrets *out, char *err, size_t errlen)
{
	memset(out, 0, sizeof *out);
	if (p->secrets.len > SECRETS_MAX)
		return error_set(err, errlen, "--secret: at most %d secrets", SECRETS_MAX);
	out->v = xcalloc(p->secrets.len ? p->secrets.len : 1, sizeof *out->v);
	for (size_t i = 0; i < p->secrets.len; i++) {
		const char *e = p->secrets.items[i];
		const char *eq = strchr(e, '=');
		size_t nl = eq ? (size_t)(eq - e) : strlen(e);
		struct secret *x = &out->v[out->n];
		if (!eq || !secret_name_valid(e, nl)) {
			secrets_free(out);
			return error_set(err, errlen,
			                 "--secret: expected NAME=VALUE with NAME a variable name");
		}
		if (find(out, e, nl))
			continue; /* policy_env_set keeps one per name; be safe */
		out->n++;
		x->name = xasprintf("%.*s", (int)nl, e);
		x->value = xstrdup(eq + 1);
		x->value_len = strlen(x->value);
		bool ctl = false;
		for (size_t k = 0; k < x->value_len; k++)
			ctl |= (unsigned char)x->value[k] < 0x20 || x->value[k] == 0x7f;
		if (!x->value_len || ctl) {
			int r = error_set(err, errlen, "--secret %s: the value is %s", x->name,
			                  ctl ? "not one line of printable text" : "empty");
			secrets_free(out);
			return r;
		}
		int pi = policy_env_find(&p->secret_placeholders, e, nl);
		x->placeholder = pi >= 0 ? xstrdup(p->secret_placeholders.items[pi] + nl + 1) :
		                           secret_new_placeholder();
	}
	if (secrets_set_hosts(out, p, err, errlen) < 0) {
		secrets_free(out);
		return -1;
	}
	for (size_t i = 0; i < out->n; i++) {
		if (!out->v[i].n_hosts) {
			int r = error_set(
			        err, errlen,
			        "--secret %s: no --secret-host %s=HOST given (a secret is "
			        "only ever sent to the hosts named for it)",
			        out->v[i].name, out->v[i].name);
			secrets_free(out);
			return r;
		}
	}
	return 0;
}

void secrets_free(struct secrets *s)
{
	for (size_t i = 0; i < s->n; i++) {
		explicit_bzero(s->v[i].value, s->v[i].value_len);
		free(s->v[i].value);
		free(s->v[i].name);
		free(s->v[i].placeholder);
		free(s->v[i].hosts);
	}
	free(s->v);
	memset(s, 0, sizeof *s);
}

bool secrets_host_allowed(const struct secrets *s, size_t i, const struct net_dest *d)
{
	for (size_t k = 0; k < s->v[i].n_hosts; k++)
		if (net_rule_matches(&s->v[i].hosts[k], d))
			return true;
	return false;
}

bool secrets_any_host(const struct secrets *s, const struct net_dest *d)
{
	for (size_t i = 0; i < s->n; i++)
		if (secrets_host_allowed(s, i, d))
			return true;
	return false;
}

/* Which secret's placeholder starts at p (len bytes left), or -1. */
static int placeholder_at(const struct secrets *s, const char *p, size_t len)
{
	if (len < SECRET_PLACEHOLDER_LEN)
		return -1;
	for (size_t i = 0; i < s->n; i++)
		if (memcmp(p, s->v[i].placeholder, SECRET_PLACEHOLDER_LEN) == 0)
			return (int)i;
	return -1;
}

void secrets_scan(const struct secrets *s, const char *p, size_t len, uint64_t *seen)
{
	const char *e = p + len;
	while (p < e) {
		const char *hit =
		        memmem(p, (size_t)(e - p), SECRET_PREFIX, sizeof SECRET_PREFIX - 1);
		if (!hit)
			return;
		int i = placeholder_at(s, hit, (size_t)(e - hit));
		if (i >= 0)
			*seen |= 1ull << i;
		p = hit + 1;
	}
}

char *secrets_subst(const struct secrets *s, const struct net_dest *d, const char *val, size_t len,
                    size_t *out_len, uint64_t *used, uint64_t *withheld)
{
	uint64_t seen = 0;
	secrets_scan(s, val, len, &seen);
	if (!seen)
		return NULL;
	uint64_t allowed = 0;
	for (size_t i = 0; i < s->n; i++) {
		if (!(seen & (1ull << i)))
			continue;
		if (secrets_host_allowed(s, i, d))
			allowed |= 1ull << i;
		else
			*withheld |= 1ull << i;
	}
	*used |= allowed;
	/* Worst case every placeholder-sized run becomes the longest value. */
	size_t maxv = SECRET_PLACEHOLDER_LEN;
	for (size_t i = 0; i < s->n; i++)
		if (s->v[i].value_len > maxv)
			maxv = s->v[i].value_len;
	size_t cap = len / SECRET_PLACEHOLDER_LEN * maxv + len + 1;
	char *out = xmalloc(cap);
	size_t o = 0;
	for (size_t k = 0; k < len;) {
		int i = val[k] == 'G' ? placeholder_at(s, val + k, len - k) : -1;
		if (i >= 0 && (allowed & (1ull << i))) {
			memcpy(out + o, s->v[i].value, s->v[i].value_len);
			o += s->v[i].value_len;
			k += SECRET_PLACEHOLDER_LEN;
		} else {
			out[o++] = val[k++];
		}
	}
	out[o] = '\0';
	*out_len = o;
	return out;
}

void secrets_names(const struct secrets *s, uint64_t mask, char *buf, size_t len)
{
	size_t o = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < s->n && o < len; i++) {
		if (!(mask & (1ull << i)))
			continue;
		int n = snprintf(buf + o, len - o, "%s%s", o ? "," : "", s->v[i].name);
		if (n < 0)
			break;
		o += (size_t)n;
	}
}

size_t secrets_mask(const struct secrets *s, char *p, size_t len)
{
	size_t n = 0;
	for (size_t i = 0; i < s->n; i++) {
		const struct secret *x = &s->v[i];
		char *q = p, *e = p + len;
		while ((size_t)(e - q) >= x->value_len) {
			char *hit = memmem(q, (size_t)(e - q), x->value, x->value_len);
			if (!hit)
				break;
			memset(hit, '*', x->value_len);
			q = hit + x->value_len;
			n++;
		}
	}
	return n;
}

size_t secrets_mask_rest(const struct secrets *s, const char *sent, size_t sent_len, char *p,
                         size_t len)
{
	size_t n = 0;
	for (size_t i = 0; i < s->n; i++) {
		const struct secret *x = &s->v[i];
		for (size_t k = 1; k < x->value_len && k <= sent_len; k++) {
			size_t rest = x->value_len - k;
			size_t have = rest < len ? rest : len;
			if (have && memcmp(sent + sent_len - k, x->value, k) == 0 &&
			    memcmp(p, x->value + k, have) == 0) {
				memset(p, '*', have);
				n++;
				break;
			}
		}
	}
	return n;
}

size_t secrets_value_begins(const struct secrets *s, const char *p, size_t len, size_t min)
{
	size_t best = 0;
	for (size_t i = 0; i < s->n; i++) {
		const struct secret *x = &s->v[i];
		for (size_t k = x->value_len - 1 < len ? x->value_len - 1 : len;
		     k >= min && k > best; k--)
			if (memcmp(p + len - k, x->value, k) == 0) {
				best = k;
				break;
			}
	}
	return best;
}

size_t secrets_max_value_len(const struct secrets *s)
{
	size_t m = 0;
	for (size_t i = 0; i < s->n; i++)
		if (s->v[i].value_len > m)
			m = s->v[i].value_len;
	return m;
}

static void add_names(const struct secrets *s, cJSON *d, const char *key, uint64_t mask)
{
	cJSON *a = cJSON_AddArrayToObject(d, key);
	for (size_t i = 0; i < s->n; i++)
		if (mask & (1ull << i))
			cJSON_AddItemToArray(a, cJSON_CreateString(s->v[i].name));
}

void secrets_report(const struct secrets *s, uint64_t used, uint64_t withheld, uint64_t masked,
                    cJSON *d, char *msg, size_t len)
{
	if (used)
		add_names(s, d, "secrets", used);
	if (withheld)
		add_names(s, d, "secrets_withheld", withheld);
	if (masked)
		cJSON_AddNumberToObject(d, "secrets_masked", (double)masked);
	char u[200], w[200];
	secrets_names(s, used, u, sizeof u);
	secrets_names(s, withheld, w, sizeof w);
	snprintf(msg, len, "%s%s%s%s%s", used ? "; secrets sent: " : "", u,
	         withheld ? "; placeholders passed unchanged: " : "", w,
	         masked ? "; the server echoed a secret back (masked)" : "");
}
