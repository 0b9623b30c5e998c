/* net_policy: parsing --allow-net/--deny-net rules and deciding one
 * destination. See net_policy.h for the semantics; this file owns the
 * canonical form of host names (the one form rules and requests are compared
 * in) and the table of special address ranges. */
#include "net_policy.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dlfcn.h>
#include <idn2.h>
#include <pthread.h>

#include "sanitize.h"
#include "util.h"

/* libidn2 (and the libunistring it pulls in) is loaded only for the first
 * non-ASCII host name: relocating both at every start cost more than any
 * other library glassbox links. Not loadable = the name cannot be
 * converted = refused, as any other name that fails conversion. */
static struct {
	__typeof__(idn2_to_ascii_8z) *to_ascii;
	__typeof__(idn2_free) *free;
} idn;
static pthread_once_t idn_once = PTHREAD_ONCE_INIT;

static void idn_load(void)
{
	void *h = dlopen("libidn2.so.0", RTLD_NOW | RTLD_LOCAL);
	__typeof__(idn.to_ascii) to_ascii = h ? (__typeof__(to_ascii))dlsym(h, "idn2_to_ascii_8z") : NULL;
	__typeof__(idn.free) fr = h ? (__typeof__(fr))dlsym(h, "idn2_free") : NULL;
	if (to_ascii && fr) {
		idn.to_ascii = to_ascii;
		idn.free = fr;
	}
}

static bool all_ascii(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] >= 0x80)
			return false;
	return true;
}

/* LDH labels (plus '_', which real names use), 1..63 bytes, 253 total. */
static bool name_valid(const char *s)
{
	size_t n = strlen(s), lab = 0;
	if (n == 0 || n > 253)
		return false;
	bool digits_dots = true;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (c == '.') {
			if (lab == 0 || s[i - 1] == '-')
				return false;
			lab = 0;
			continue;
		}
		if (!(isalnum((unsigned char)c) || c == '-' || c == '_'))
			return false;
		if (c == '-' && lab == 0)
			return false;
		if (!isdigit((unsigned char)c))
			digits_dots = false;
		if (++lab > 63)
			return false;
	}
	/* "127.1" or "2130706433": resolvers read these as addresses; a name
	 * must not be one in disguise. */
	return lab > 0 && s[n - 1] != '-' && !digits_dots;
}

static void v4_mapped(struct in6_addr *a, const struct in_addr *v4)
{
	memset(a, 0, sizeof *a);
	a->s6_addr[10] = a->s6_addr[11] = 0xff;
	memcpy(&a->s6_addr[12], v4, 4);
}

int net_host_canon(const char *in, size_t len, struct net_dest *out)
{
	char buf[NET_HOST_MAX + 2];
	memset(out, 0, sizeof *out);
	if (len == 0 || len >= sizeof buf || memchr(in, '\0', len))
		return -1;
	if (in[0] == '[') {
		if (len < 3 || in[len - 1] != ']')
			return -1;
		memcpy(buf, in + 1, len - 2);
		buf[len - 2] = '\0';
		if (inet_pton(AF_INET6, buf, &out->ip) != 1)
			return -1;
		out->is_ip = true;
		net_addr_text(&out->ip, out->host, sizeof out->host);
		return 0;
	}
	memcpy(buf, in, len);
	buf[len] = '\0';
	struct in_addr v4;
	if (inet_pton(AF_INET, buf, &v4) == 1) {
		v4_mapped(&out->ip, &v4);
		out->is_ip = true;
		net_addr_text(&out->ip, out->host, sizeof out->host);
		return 0;
	}
	if (strchr(buf, ':')) {
		if (inet_pton(AF_INET6, buf, &out->ip) != 1)
			return -1;
		out->is_ip = true;
		net_addr_text(&out->ip, out->host, sizeof out->host);
		return 0;
	}
	if (len > 1 && buf[len - 1] == '.')
		buf[--len] = '\0';
	if (!all_ascii(buf, len)) {
		pthread_once(&idn_once, idn_load);
		char *ascii = NULL;
		if (!idn.to_ascii ||
		    idn.to_ascii(buf, &ascii, IDN2_NONTRANSITIONAL | IDN2_NFC_INPUT) != IDN2_OK ||
		    strlen(ascii) >= sizeof out->host) {
			if (idn.free)
				idn.free(ascii);
			return -1;
		}
		snprintf(buf, sizeof buf, "%s", ascii);
		idn.free(ascii);
	}
	for (char *p = buf; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	if (!name_valid(buf)) /* also bounds it: at most 253 bytes */
		return -1;
	memcpy(out->host, buf, strlen(buf) + 1);
	return 0;
}

static bool parse_port(const char *s, uint16_t *out)
{
	if (!*s || strlen(s) > 5)
		return false;
	unsigned long v = 0;
	for (const char *p = s; *p; p++) {
		if (!isdigit((unsigned char)*p))
			return false;
		v = v * 10 + (unsigned long)(*p - '0');
	}
	if (v == 0 || v > 65535)
		return false;
	*out = (uint16_t)v;
	return true;
}

int net_rule_parse(const char *s, const char *flag, struct net_rule *out, char *err,
                   size_t errlen)
{
	memset(out, 0, sizeof *out);
	cleanup_free char *safe = sanitize_str(s);
	if (strstr(s, "://") || strchr(s, '/'))
		return error_set(err, errlen,
		                 "%s: '%s' is not a host (use a name, *.domain or an IP, "
		                 "optionally with :port)",
		                 flag, safe);
	size_t n = strlen(s);
	const char *host = s;
	size_t hlen = n;
	const char *port = NULL;
	if (s[0] == '[') {
		const char *close = strchr(s, ']');
		if (!close)
			return error_set(err, errlen, "%s: '%s': missing ']'", flag, safe);
		hlen = (size_t)(close - s) + 1;
		if (close[1] == ':')
			port = close + 2;
		else if (close[1])
			return error_set(err, errlen, "%s: '%s': junk after ']'", flag, safe);
	} else {
		const char *c1 = strchr(s, ':');
		if (c1 && !strchr(c1 + 1, ':')) {
			hlen = (size_t)(c1 - s);
			port = c1 + 1;
		}
		/* two or more colons: a bare IPv6 literal, no port */
	}
	if (port && !parse_port(port, &out->port))
		return error_set(err, errlen, "%s: '%s': invalid port (1-65535)", flag, safe);

	if (hlen == 1 && host[0] == '*') {
		out->kind = NET_RULE_ANY;
	} else if (hlen > 2 && host[0] == '*' && host[1] == '.') {
		struct net_dest d;
		if (net_host_canon(host + 2, hlen - 2, &d) < 0 || d.is_ip)
			return error_set(err, errlen, "%s: '%s': invalid domain after '*.'", flag,
			                 safe);
		out->kind = NET_RULE_SUFFIX;
		snprintf(out->host, sizeof out->host, "%s", d.host);
	} else {
		if (memchr(host, '*', hlen))
			return error_set(err, errlen,
			                 "%s: '%s': '*' is only allowed as a leading '*.' label",
			                 flag, safe);
		struct net_dest d;
		if (net_host_canon(host, hlen, &d) < 0)
			return error_set(err, errlen, "%s: '%s': invalid host name or address",
			                 flag, safe);
		out->kind = d.is_ip ? NET_RULE_IP : NET_RULE_NAME;
		out->ip = d.ip;
		snprintf(out->host, sizeof out->host, "%s", d.host);
	}
	snprintf(out->text, sizeof out->text, "%s=%s", flag, s);
	return 0;
}

static int add_rules(struct net_rule **arr, size_t *n, const struct strlist *l, const char *flag,
                     char *err, size_t errlen)
{
	if (!l->len)
		return 0;
	*arr = xcalloc(l->len, sizeof **arr);
	for (size_t i = 0; i < l->len; i++) {
		if (net_rule_parse(l->items[i], flag, &(*arr)[*n], err, errlen) < 0)
			return -1;
		(*n)++;
	}
	return 0;
}

int net_policy_init(struct net_policy *np, const struct policy *p, char *err, size_t errlen)
{
	memset(np, 0, sizeof *np);
	np->allow_public = p->allow_net_all;
	np->allow_all = p->allow_all;
	if (add_rules(&np->allow, &np->n_allow, &p->allow_net, "--allow-net", err, errlen) < 0 ||
	    add_rules(&np->deny, &np->n_deny, &p->deny_net, "--deny-net", err, errlen) < 0) {
		net_policy_free(np);
		return -1;
	}
	return 0;
}

void net_policy_free(struct net_policy *np)
{
	free(np->allow);
	free(np->deny);
	memset(np, 0, sizeof *np);
}

/* Does r name d (by name or literal)? IP rules match IP literals here;
 * resolved addresses are matched in check_addr. */
static bool rule_matches_dest(const struct net_rule *r, const struct net_dest *d)
{
	if (r->port && r->port != d->port)
		return false;
	switch (r->kind) {
	case NET_RULE_ANY:
		return true;
	case NET_RULE_IP:
		return d->is_ip && memcmp(&r->ip, &d->ip, sizeof r->ip) == 0;
	case NET_RULE_NAME:
		return !d->is_ip && strcmp(r->host, d->host) == 0;
	case NET_RULE_SUFFIX: {
		if (d->is_ip)
			return false;
		size_t hl = strlen(d->host), sl = strlen(r->host);
		return hl > sl + 1 && d->host[hl - sl - 1] == '.' &&
		       strcmp(d->host + hl - sl, r->host) == 0;
	}
	}
	return false;
}

bool net_rule_matches(const struct net_rule *r, const struct net_dest *d)
{
	return rule_matches_dest(r, d);
}

static bool rule_matches_addr(const struct net_rule *r, const struct in6_addr *a, uint16_t port)
{
	return r->kind == NET_RULE_IP && (!r->port || r->port == port) &&
	       memcmp(&r->ip, a, sizeof *a) == 0;
}

/* The smallest rule that would allow d: the host, with the port unless it is
 * 80 or 443. */
static void allow_hint(const struct net_dest *d, char *buf, size_t len)
{
	bool v6 = d->is_ip && strchr(d->host, ':');
	if (d->port == 80 || d->port == 443)
		snprintf(buf, len, "--allow-net=%s%s%s", v6 ? "[" : "", d->host, v6 ? "]" : "");
	else
		snprintf(buf, len, "--allow-net=%s%s%s:%u", v6 ? "[" : "", d->host, v6 ? "]" : "",
		         d->port);
}

static void deny_with(struct net_decision *out, const char *rule, const char *reason,
                      const char *hint)
{
	out->allow = false;
	out->explicit_rule = false;
	snprintf(out->rule, sizeof out->rule, "%s", rule);
	snprintf(out->reason, sizeof out->reason, "%s", reason);
	snprintf(out->hint, sizeof out->hint, "%s", hint);
}

void net_policy_check_dest(const struct net_policy *np, const struct net_dest *d,
                           struct net_decision *out)
{
	memset(out, 0, sizeof *out);
	char hint[sizeof out->hint];
	for (size_t i = 0; i < np->n_deny; i++) {
		if (rule_matches_dest(&np->deny[i], d)) {
			snprintf(hint, sizeof hint, "remove %s", np->deny[i].text);
			deny_with(out, np->deny[i].text, np->deny[i].text, hint);
			return;
		}
	}
	/* Only a rule that names this host or address opens private ranges: a
	 * *.suffix rule does not (whoever controls a subdomain's DNS could
	 * point it at the host's loopback). Prefer such a rule when several
	 * match. */
	size_t match = np->n_allow;
	for (size_t i = 0; i < np->n_allow; i++) {
		if (!rule_matches_dest(&np->allow[i], d))
			continue;
		bool names = np->allow[i].kind == NET_RULE_NAME || np->allow[i].kind == NET_RULE_IP;
		if (names || match == np->n_allow)
			match = i;
		if (names)
			break;
	}
	if (match < np->n_allow) {
		out->allow = true;
		out->explicit_rule = np->allow[match].kind == NET_RULE_NAME ||
		                     np->allow[match].kind == NET_RULE_IP;
		snprintf(out->rule, sizeof out->rule, "%s", np->allow[match].text);
		return;
	}
	if (np->allow_public || np->allow_all) {
		out->allow = true;
		snprintf(out->rule, sizeof out->rule, "%s", np->allow_all ? "-A" : "--allow-net");
		return;
	}
	allow_hint(d, hint, sizeof hint);
	deny_with(out, "default", "no --allow-net rule", hint);
}

void net_policy_check_addr(const struct net_policy *np, const struct net_dest *d,
                           const struct sockaddr *sa, struct net_decision *dec)
{
	struct in6_addr a;
	if (!dec->allow)
		return;
	if (!net_addr_from_sockaddr(sa, &a)) {
		deny_with(dec, "default", "unsupported address family", "");
		return;
	}
	char at[INET6_ADDRSTRLEN], why[400], hint[sizeof dec->hint];
	net_addr_text(&a, at, sizeof at);
	for (size_t i = 0; i < np->n_deny; i++) {
		if (rule_matches_addr(&np->deny[i], &a, d->port)) {
			snprintf(why, sizeof why, "%s (resolves to %s)", np->deny[i].text, at);
			snprintf(hint, sizeof hint, "remove %s", np->deny[i].text);
			deny_with(dec, np->deny[i].text, why, hint);
			return;
		}
	}
	const char *range = net_addr_range(&a);
	if (!range || dec->explicit_rule)
		return;
	for (size_t i = 0; i < np->n_allow; i++) {
		if (rule_matches_addr(&np->allow[i], &a, d->port)) {
			dec->explicit_rule = true;
			snprintf(dec->rule, sizeof dec->rule, "%s", np->allow[i].text);
			return;
		}
	}
	char rule[64];
	snprintf(rule, sizeof rule, "address:%s", range);
	if (d->is_ip)
		snprintf(why, sizeof why, "%s address, not named by any --allow-net rule", range);
	else
		snprintf(why, sizeof why, "resolves to %s address %s, not named by any --allow-net rule",
		         range, at);
	allow_hint(d, hint, sizeof hint);
	deny_with(dec, rule, why, hint);
}

static bool v4_in(uint32_t a, uint32_t net, int bits)
{
	uint32_t mask = bits ? ~0u << (32 - bits) : 0;
	return (a & mask) == (net & mask);
}

static const char *v4_range(uint32_t a)
{
	static const struct {
		uint32_t net;
		int bits;
		const char *name;
	} t[] = {
		{ 0x00000000, 8, "unspecified" }, { 0x7f000000, 8, "loopback" },
		{ 0x0a000000, 8, "private" },     { 0xac100000, 12, "private" },
		{ 0xc0a80000, 16, "private" },    { 0x64400000, 10, "CGNAT" },
		{ 0xa9fe0000, 16, "link-local" }, { 0xe0000000, 4, "multicast" },
		{ 0xf0000000, 4, "reserved" },    { 0xc0000000, 24, "reserved" },
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
		if (v4_in(a, t[i].net, t[i].bits))
			return t[i].name;
	return NULL;
}

const char *net_addr_range(const struct in6_addr *a)
{
	const uint8_t *b = a->s6_addr;
	static const uint8_t zero[16];
	if (memcmp(b, zero, 16) == 0)
		return "unspecified";
	if (IN6_IS_ADDR_LOOPBACK(a))
		return "loopback";
	if (IN6_IS_ADDR_V4MAPPED(a) || IN6_IS_ADDR_V4COMPAT(a) ||
	    (b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b &&
	     memcmp(b + 4, zero, 8) == 0)) { /* 64:ff9b::/96 NAT64 */
		uint32_t v4 = (uint32_t)b[12] << 24 | (uint32_t)b[13] << 16 |
		              (uint32_t)b[14] << 8 | b[15];
		return v4_range(v4);
	}
	if ((b[0] & 0xfe) == 0xfc)
		return "private"; /* ULA fc00::/7 */
	if (b[0] == 0xfe && (b[1] & 0xc0) == 0x80)
		return "link-local";
	if (b[0] == 0xfe && (b[1] & 0xc0) == 0xc0)
		return "private"; /* deprecated site-local */
	if (b[0] == 0xff)
		return "multicast";
	if (b[0] == 0x20 && b[1] == 0x02) { /* 6to4: judge the embedded v4 */
		uint32_t v4 = (uint32_t)b[2] << 24 | (uint32_t)b[3] << 16 | (uint32_t)b[4] << 8 |
		              b[5];
		return v4_range(v4);
	}
	return NULL;
}

bool net_addr_from_sockaddr(const struct sockaddr *sa, struct in6_addr *out)
{
	if (sa->sa_family == AF_INET) {
		v4_mapped(out, &((const struct sockaddr_in *)sa)->sin_addr);
		return true;
	}
	if (sa->sa_family == AF_INET6) {
		*out = ((const struct sockaddr_in6 *)sa)->sin6_addr;
		return true;
	}
	return false;
}

void net_addr_text(const struct in6_addr *a, char *buf, size_t len)
{
	if (IN6_IS_ADDR_V4MAPPED(a))
		inet_ntop(AF_INET, &a->s6_addr[12], buf, (socklen_t)len);
	else
		inet_ntop(AF_INET6, a, buf, (socklen_t)len);
}

void net_dest_text(const struct net_dest *d, char *buf, size_t len)
{
	bool v6 = d->is_ip && strchr(d->host, ':');
	snprintf(buf, len, "%s%s%s:%u", v6 ? "[" : "", d->host, v6 ? "]" : "", d->port);
}
